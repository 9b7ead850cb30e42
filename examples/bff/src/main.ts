import { createDiscountClient } from "@matchday/client/discount";
import { createWalletClient } from "@matchday/client/wallet";
import { problem } from "./answers";
import { type BffConfig, ConfigError, loadBffConfig } from "./config";
import { bffRoutes } from "./server";
import { serviceTokenSource, userVerifier } from "./tokens";

/** `bun examples/bff/src/main.ts`: the only place that reads the environment. */
function configOrExit(): BffConfig {
  try {
    return loadBffConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

const config = configOrExit();
// Verification pinned on, trusting the private CA when one is given.
const fetchOptions = { tls: { ca: config.ca, rejectUnauthorized: true } };
const timeoutMs = config.timeoutMs;
const server = Bun.serve({
  port: config.port,
  hostname: config.host,
  routes: {
    ...bffRoutes({
      verifyUser: userVerifier(config.jwtSecret),
      discount: createDiscountClient({
        baseUrl: config.discountUrl,
        token: serviceTokenSource(config.jwtSecret, "bff"),
        fetch: fetchOptions,
        timeoutMs,
      }),
      walletFor: (token) => createWalletClient({ baseUrl: config.walletUrl, token, fetch: fetchOptions, timeoutMs }),
    }),
    "/health": new Response("ok"),
  },
  fetch: () => problem(404, "ROUTE_NOT_FOUND", "No such resource"),
});
console.log(`bff listening on ${server.url}`);
process.on("SIGTERM", () => server.stop().then(() => process.exit(0)));
