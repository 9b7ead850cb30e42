// The HTTP layer both services mount: one subpath, `@matchday/shared/http`.
export * from "./api-docs";
export * from "./auth-plugin";
export * from "./kernel";
export * from "./media-type";
export * from "./metrics-endpoint";
export * from "./problem";
export * from "./security-headers";
export * from "./socket-address";
export * from "./system-routes";
export * from "./trusted-proxies";
