// Running the services as real child processes: one import for a test that starts a stack.
export * from "./delay-proxy";
export * from "./memory";
export * from "./ports";
export * from "./runtimes";
export * from "./service-process";
export * from "./services";
