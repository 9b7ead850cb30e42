// Archiving old rows to files and restoring them: one subpath, `@matchday/shared/archive`.
export * from "./archive-dir";
export * from "./manifest";
export * from "./run";
export * from "./schedule";
