#!/usr/bin/env bun
/**
 * `bun scripts/healthcheck.ts wallet|discount`: the container health check (the
 * slim image has no curl). Asks the service's own /ready over http, or over https
 * when TLS_CERT is set, trusting TLS_CA when given. Exit 0 ready, 1 not.
 */
import { argv, env, exit } from "node:process";

const PORTS: Record<string, { variable: string; fallback: number }> = {
  wallet: { variable: "WALLET_PORT", fallback: 3001 },
  discount: { variable: "DISCOUNT_PORT", fallback: 3002 },
};
const service = PORTS[argv[2] ?? ""];
if (!service) {
  console.error("usage: bun scripts/healthcheck.ts wallet|discount");
  exit(2);
}
const port = env[service.variable] || service.fallback;
const scheme = env.TLS_CERT ? "https" : "http";
const ca = env.TLS_CA ? await Bun.file(env.TLS_CA).text() : undefined;
try {
  // The certificate names the service's host names; localhost is among them (scripts/dev-certs.ts).
  const res = await fetch(`${scheme}://localhost:${port}/ready`, {
    signal: AbortSignal.timeout(3_000),
    ...(ca ? { tls: { ca } } : {}),
  });
  exit(res.ok ? 0 : 1);
} catch (error) {
  console.error(`healthcheck: ${(error as Error).message}`);
  exit(1);
}
