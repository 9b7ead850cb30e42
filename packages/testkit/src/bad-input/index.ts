// Property tests that throw malformed requests and wrong credentials at a service's routes.
export * from "./auth-matrix";
export * from "./bad-input";
export * from "./bad-input-check";
export * from "./bad-routes";
