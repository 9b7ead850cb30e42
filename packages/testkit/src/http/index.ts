// Talking to a running service: raw bytes on the socket, bearer tokens, TLS certificates.
export * from "./certs";
export * from "./raw-http";
export * from "./tokens";
