import { readFileSync } from "node:fs";

export interface BffConfig {
  port: number;
  host: string;
  /** Verifies the users' tokens and signs the BFF's own service token: the services share it. */
  jwtSecret: string;
  walletUrl: string;
  discountUrl: string;
  /** PEM CA certificates for HTTPS services with a private CA. */
  ca: string | undefined;
  /** How long a call to either service may take before the user hears 504. */
  timeoutMs: number;
}

/** Every problem with the environment at once, so one start names them all. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Bad configuration:\n- ${problems.join("\n- ")}`);
  }
}

type Env = Record<string, string | undefined>;

/**
 * Reads and checks the BFF's environment once; throws ConfigError naming every problem.
 * Its own small reader: the BFF is installed like any project outside this repository, so it
 * uses nothing of the services' internal packages, only the published client and jose.
 */
export function loadBffConfig(env: Env): BffConfig {
  const problems: string[] = [];
  const raw = (name: string) => env[name]?.trim() || undefined;
  const int = (name: string, fallback: number, min: number, max: number) => {
    const value = raw(name);
    if (value === undefined) return fallback;
    if (/^\d+$/.test(value) && Number(value) >= min && Number(value) <= max) return Number(value);
    problems.push(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
    return fallback;
  };
  const url = (name: string, fallback: string) => {
    const value = raw(name) ?? fallback;
    if (!URL.canParse(value) || !["http:", "https:"].includes(new URL(value).protocol))
      problems.push(`${name} must be an http or https URL`);
    return value;
  };
  const jwtSecret = raw("JWT_SECRET") ?? "";
  // The value itself is never echoed: it is a secret.
  if (Buffer.byteLength(jwtSecret) < 32) problems.push("JWT_SECRET is required (at least 32 bytes)");
  const config = {
    port: int("BFF_PORT", 3000, 0, 65535),
    host: raw("HOST") ?? "0.0.0.0",
    jwtSecret,
    walletUrl: url("WALLET_URL", "http://127.0.0.1:3001"),
    discountUrl: url("DISCOUNT_URL", "http://127.0.0.1:3002"),
    ca: certificates(raw("TLS_CA"), problems),
    timeoutMs: int("BFF_TIMEOUT_MS", 3_000, 100, 60_000),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** PEM CA certificates from the file TLS_CA names, read now: one that cannot be read stops start-up. */
function certificates(path: string | undefined, problems: string[]): string | undefined {
  if (path === undefined) return undefined;
  try {
    const text = readFileSync(path, "utf8");
    if (text.includes("-----BEGIN CERTIFICATE-----")) return text;
    problems.push(`TLS_CA must name a PEM file of CA certificates; ${path} holds none`);
  } catch {
    problems.push(`TLS_CA names ${path}, which cannot be read`);
  }
  return undefined;
}
