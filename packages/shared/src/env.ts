import { readFileSync } from "node:fs";

/**
 * A URL as it may be shown in a message: its user and password (redis://:secret@host) are not.
 * Up to the last `@`, since a URL that did not parse may hold a raw `@` in its password.
 */
function withoutCredentials(value: string): string {
  return value.replace(/\/\/.*@/, "//***@");
}

/**
 * Env is read once, at an entry point, into a typed config. Every problem is
 * collected so a bad deployment hears about all of them in one start attempt.
 */
export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function envReader(env: Env) {
  const problems: string[] = [];
  const raw = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };

  const reader = {
    string(name: string, fallback: string): string {
      return raw(name) ?? fallback;
    },
    optional(name: string): string | undefined {
      return raw(name);
    },
    int(name: string, fallback: number, min: number, max: number): number {
      const value = raw(name);
      if (value === undefined) return fallback;
      const n = Number(value);
      if (!/^-?\d+$/.test(value) || n < min || n > max) {
        problems.push(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
        return fallback;
      }
      return n;
    },
    port(name: string, fallback: number): number {
      return reader.int(name, fallback, 0, 65535);
    },
    bool(name: string, fallback: boolean): boolean {
      const value = raw(name)?.toLowerCase();
      if (value === undefined) return fallback;
      if (["1", "true", "on", "yes"].includes(value)) return true;
      if (["0", "false", "off", "no"].includes(value)) return false;
      problems.push(`${name} must be on/off (true/false, 1/0), got "${value}"`);
      return fallback;
    },
    oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
      const value = raw(name);
      if (value === undefined) return fallback;
      if ((allowed as readonly string[]).includes(value)) return value as T;
      problems.push(`${name} must be one of ${allowed.join(", ")}, got "${value}"`);
      return fallback;
    },
    secret(name: string, minBytes: number): string {
      const value = reader.optionalSecret(name, minBytes);
      if (value === undefined) {
        problems.push(`${name} is required (at least ${minBytes} bytes)`);
        return "";
      }
      return value;
    },
    optionalSecret(name: string, minBytes: number): string | undefined {
      const value = raw(name);
      if (value !== undefined && Buffer.byteLength(value) < minBytes) {
        // The value itself is never echoed: it is a secret.
        problems.push(`${name} must be at least ${minBytes} bytes long`);
      }
      return value;
    },
    url(name: string, fallback: string, protocols: readonly string[]): string {
      const value = raw(name) ?? fallback;
      try {
        const url = new URL(value);
        if (!protocols.includes(url.protocol)) {
          problems.push(`${name} must use ${protocols.join(" or ")}, got "${url.protocol}"`);
        }
      } catch {
        problems.push(`${name} must be a URL, got "${withoutCredentials(value)}"`);
      }
      return value;
    },
    /** The text of the file an env var names, read now: a path that cannot be read stops start-up. */
    file(name: string): { path: string; text: string } | undefined {
      const path = raw(name);
      if (path === undefined) return undefined;
      try {
        return { path, text: readFileSync(path, "utf8") };
      } catch (error) {
        problems.push(`${name} names a file that cannot be read: ${path} (${(error as NodeJS.ErrnoException).code})`);
        return undefined;
      }
    },
    /** PEM CA certificates from the file an env var names. */
    certificates(name: string): string | undefined {
      const file = reader.file(name);
      if (file && !file.text.includes("-----BEGIN CERTIFICATE-----")) {
        problems.push(`${name} must name a PEM file of CA certificates; ${file.path} holds none`);
        return undefined;
      }
      return file?.text;
    },
    problem(message: string): void {
      problems.push(message);
    },
    /** Throws one ConfigError naming every problem found while reading. */
    done(): void {
      if (problems.length > 0) throw new ConfigError(problems);
    },
  };
  return reader;
}

export type EnvReader = ReturnType<typeof envReader>;
