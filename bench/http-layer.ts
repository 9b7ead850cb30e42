/**
 * What the HTTP layer alone costs a wallet request, in this process's CPU µs per request:
 * the kernel and the auth macro in front of the wallet's two hot routes (a balance read,
 * a credit) whose handlers answer at once (no database), driven through app.handle 32 at
 * a time; beside the same routes on a bare Elysia app. Each checkout named as an argument
 * builds the same app from its own code, and every round alternates between them: an A/B
 * of a change to packages/shared (http/, logger, auth) on a machine too busy for req/s.
 * Access log lines go to stdout at info, as deployed: pipe stdout as a service's is.
 * Results on stderr; medians over the rounds.
 *
 *   bun bench/http-layer.ts [/path/to/other/checkout ...] | cat > /dev/null
 */

import { TEST_JWT_SECRET, testToken } from "@matchday/testkit/http";
import { REPO_ROOT } from "@matchday/testkit/processes";
import { Elysia, t } from "elysia";
import { median, option } from "./table";

const rounds = option("--rounds", "BENCH_ROUNDS", 7);
const perRound = option("--requests", "BENCH_REQUESTS", 20_000);
const CONCURRENT = 32;
const roots = [REPO_ROOT.replace(/\/$/, ""), ...process.argv.slice(2).filter((a) => a.startsWith("/"))];

interface App {
  handle(request: Request): Promise<Response>;
}
type Plugin = Parameters<Elysia["use"]>[0];

const PhoneParams = t.Object({ phone: t.String({ maxLength: 64 }) });
const CreditHeaders = t.Object({ "idempotency-key": t.String({ pattern: "^[\\x21-\\x7e]{1,255}$" }) });
const CreditBody = t.Object({ amount: t.Integer({ minimum: 1 }) }, { additionalProperties: false });

/** The wallet's two hot routes on `front` (kernel + auth, or nothing), answering at once. */
function walletRoutes(front: { kernel?: Plugin; auth?: Plugin }): App {
  const routes = new Elysia({ name: "wallets", prefix: "/v1/wallets" })
    .use(front.auth ?? new Elysia())
    .get("/:phone", ({ params }) => ({ phone: params.phone, balance: 0, currency: "IRT", updatedAt: null }), {
      ...(front.auth ? { auth: ["user", "admin", "service"] } : {}),
      params: PhoneParams,
    })
    .post(
      "/:phone/credits",
      ({ params, body, set }) => {
        set.status = 201;
        return { phone: params.phone, amount: body.amount };
      },
      {
        ...(front.auth ? { auth: ["admin", "service"] } : {}),
        parse: "json",
        params: PhoneParams,
        headers: CreditHeaders,
        body: CreditBody,
      },
    );
  return new Elysia({ name: "wallet", normalize: false }).use(front.kernel ?? new Elysia()).use(routes);
}

/** The kernel and auth plugin of the checkout at `root`, each module from its own files. */
async function layered(root: string): Promise<App> {
  const http = await import(`${root}/packages/shared/src/http/index.ts`);
  const { createLogger } = await import(`${root}/packages/shared/src/logger.ts`);
  const { Registry } = await import(`${root}/packages/shared/src/metrics.ts`);
  const { createTokenVerifier } = await import(`${root}/packages/shared/src/auth.ts`);
  const kernel = http.createHttpKernel({
    logger: createLogger({ level: "info", service: "wallet" }),
    metrics: new Registry(),
    maxBodyBytes: 16_384,
  });
  return walletRoutes({ kernel: kernel.plugin, auth: http.authPlugin(createTokenVerifier(TEST_JWT_SECRET)) });
}

const token = await testToken("service");
const MODES = { balance: 200, credit: 201 } as const;
type Mode = keyof typeof MODES;

function request(mode: Mode, i: number): Request {
  const phone = `+98935${String(i % 10_000).padStart(7, "0")}`;
  const authorization = `Bearer ${token}`;
  if (mode === "balance") return new Request(`http://127.0.0.1/v1/wallets/${phone}`, { headers: { authorization } });
  return new Request(`http://127.0.0.1/v1/wallets/${phone}/credits`, {
    method: "POST",
    headers: { authorization, "content-type": "application/json", "idempotency-key": `key-${i}` },
    body: '{"amount":1000}',
  });
}

async function measure(app: App, mode: Mode): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < perRound; i += CONCURRENT) {
    const answers = await Promise.all(Array.from({ length: CONCURRENT }, (_, j) => app.handle(request(mode, i + j))));
    for (const answer of answers) {
      if (answer.status !== MODES[mode]) throw new Error(`${mode}: ${answer.status} ${await answer.text()}`);
      await answer.arrayBuffer();
    }
  }
  await Bun.sleep(5); // the last answers' access log lines and metrics
  const used = process.cpuUsage(start);
  return (used.user + used.system) / perRound;
}

const targets: { name: string; app: App }[] = [{ name: "bare Elysia", app: walletRoutes({}) }];
// One at a time: each checkout's modules are imported once and cached by path.
for (const root of roots) targets.push({ name: root, app: await layered(root) });

for (const mode of Object.keys(MODES) as Mode[]) {
  const samples = targets.map(() => [] as number[]);
  for (const target of targets) await measure(target.app, mode); // warm-up: JIT
  for (let round = 0; round < rounds; round++) {
    const order = [...targets.keys()];
    if (round % 2) order.reverse();
    for (const at of order) samples[at]?.push(await measure((targets[at] as (typeof targets)[number]).app, mode));
  }
  targets.forEach((target, at) => {
    const values = samples[at] as number[];
    const all = values.map((v) => v.toFixed(1)).join(" ");
    console.error(`${mode.padEnd(8)} ${target.name.padEnd(28)} ${median(values).toFixed(2).padStart(7)} µs  [${all}]`);
  });
}
