import { defineConfig } from "drizzle-kit";

/**
 * One config for both services: DRIZZLE_SERVICE picks whose schema and migrations
 * folder drizzle-kit works on (`bun run db:generate` runs it for each service).
 */
const services = {
  wallet: { schema: "./wallet/src/db/schema.ts", out: "./wallet/drizzle", url: "file:data/wallet.db" },
  discount: { schema: "./discount/src/db/schema.ts", out: "./discount/drizzle", url: "file:data/discount.db" },
} as const;

const name = (process.env.DRIZZLE_SERVICE ?? "wallet") as keyof typeof services;
const service = services[name];
if (!service) throw new Error(`DRIZZLE_SERVICE must be one of: ${Object.keys(services).join(", ")}`);

export default defineConfig({
  dialect: "sqlite",
  schema: service.schema,
  out: service.out,
  dbCredentials: { url: process.env[`${name.toUpperCase()}_DATABASE_URL`] ?? service.url },
});
