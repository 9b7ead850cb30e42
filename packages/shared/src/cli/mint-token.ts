#!/usr/bin/env bun
/**
 * Mints a JWT for operators, demos and load scripts.
 *   bun run token --role admin [--sub ops-alice] [--ttl 3600]
 *   bun run token --role user --sub 09121234567
 * The secret comes from JWT_SECRET, or from data/jwt-secret written by `bun start`.
 */
import { parseArgs } from "node:util";
import { MAX_TOKEN_TTL_SECONDS, mintToken, ROLES, type Role } from "../auth";
import { AppError } from "../errors";
import { LOCAL_SECRET_FILE, localJwtSecret } from "./local-secret";

function fail(message: string): never {
  console.error(`token: ${message}`);
  process.exit(2);
}

const USAGE = "usage: bun run token --role user|service|admin [--sub SUBJECT] [--ttl SECONDS]";
let values: { role?: string; sub?: string; ttl?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      role: { type: "string" },
      sub: { type: "string" },
      ttl: { type: "string", default: "3600" },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const role = values.role as Role | undefined;
if (!role || !ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(", ")}`);
if (role === "user" && !values.sub) fail("--sub <phone> is required for a user token");
const ttlSeconds = Number(values.ttl);
if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TOKEN_TTL_SECONDS)
  fail(`--ttl must be 1..${MAX_TOKEN_TTL_SECONDS} seconds`);

const secret = localJwtSecret(process.env);
if (!secret) fail(`set JWT_SECRET, or run 'bun start' once so ${LOCAL_SECRET_FILE} exists`);

try {
  console.log(await mintToken(secret, { role, subject: values.sub ?? role, ttlSeconds }));
} catch (error) {
  if (error instanceof AppError) fail(error.message);
  throw error;
}
