export * from "./auth-matrix";
export * from "./database";
export * from "./ports";
export * from "./redis";
export * from "./service-process";
export * from "./services";
export * from "./tokens";
