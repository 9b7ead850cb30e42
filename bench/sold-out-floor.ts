/**
 * What a sold-out answer costs at best on this machine, next to what the discount's
 * fast path costs, in server CPU per request. The throughput target (sold out ≥ 0.9×
 * a bare Elysia POST) compares answers that do different work: the baseline reads,
 * parses and checks the body and answers a few bytes; a sold-out answer must also
 * carry this API's problem body, request id and security headers. This bench prices
 * each piece on a bare Bun route (bench/bare-route.ts), so the gap the fast path could
 * still close is separated from the gap the API's answer itself opens. The same refusal
 * served from inside a booted discount process (bench/in-service-refusal.ts) separates what
 * the process itself costs from what the fast path's checks cost.
 *
 * Measured pinned (bench/pinned.ts): CPU time per answer, targets alternating, medians;
 * the ratios between two targets are medians of the rounds' ratios.
 *
 *   bun bench/sold-out-floor.ts [--rounds 5] [--seconds 4]
 */
import { createCampaign } from "@matchday/testkit/burst";
import { testToken } from "@matchday/testkit/http";
import { startService } from "@matchday/testkit/processes";
import { BARE_STEPS, type Step } from "./bare-route";
import { measureRounds, microsOf, type PinnedStack, printTable, runPinned, SERVER_CORE, type Target } from "./pinned";
import { option, pairedRatios } from "./table";
import type { Load } from "./wrk";

const rounds = option("--rounds", "BENCH_ROUNDS", 5);
const seconds = option("--seconds", "BENCH_SECONDS", 4);

async function main({ baseline, discount, discountEnv, start }: PinnedStack): Promise<void> {
  const bare = [];
  for (const step of BARE_STEPS) {
    const server = startService({ entry: "bench/bare-route.ts", portVar: "BARE_PORT", env: { BARE_STEP: step } });
    bare.push({ step, server: await start(server) });
  }
  // A second discount instance on the same database and Redis, refusing as the bare route does.
  const inService = await start(
    startService({ entry: "bench/in-service-refusal.ts", portVar: "DISCOUNT_PORT", env: discountEnv }),
  );
  const code = await createCampaign(discount.url, { name: "sold-out floor", amount: 1_000, maxRedemptions: 1 });
  const token = await testToken("service");
  // The one prize goes to a phone wrk never sends, so every measured answer is "sold out".
  const won = await fetch(`${discount.url}/v1/redeem`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ code, phone: "09120000000" }),
  });
  if (won.status !== 201) throw new Error(`the campaign's one prize was not won: ${won.status}`);
  // Every target gets the same requests: a service token and a new phone each time.
  const load: Load = { mode: "redeem", code, phones: 1_000_000, offset: 0, token };
  const targets: Target[] = [
    { name: "bare Elysia POST (baseline)", server: baseline, expect: ["200"], load, samples: [] },
    ...bare.map(({ step, server }) => ({
      name: `bare Bun route: ${step}`,
      server,
      expect: ["409"],
      load,
      samples: [],
    })),
    { name: "discount process: bare refusal", server: inService, expect: ["409"], load, samples: [] },
    { name: "discount: sold-out fast path", server: discount, expect: ["409"], load, samples: [] },
  ];
  await measureRounds(targets, rounds, seconds);
  report(targets);
}

/** `a`'s CPU µs over `b`'s, round by round (see pairedRatios). */
const pairedRatio = (a: Target, b: Target) =>
  pairedRatios(
    a.samples.map((s) => s.micros),
    b.samples.map((s) => s.micros),
  );

function report(targets: Target[]): void {
  printTable(targets, targets[0] as Target);
  console.log(
    `\nserver pinned to core ${SERVER_CORE}, wrk -t1 -c32 on the other; medians of ${rounds} rounds of ${seconds} s`,
  );
  // Issue 18's target: the fast path costs at most 10 % more CPU than a bare route giving the same refusal.
  const refusal = targets.find((t) => t.name === `bare Bun route: ${"answer" satisfies Step}`) as Target;
  const inProcess = targets.at(-2) as Target;
  const fastPath = targets.at(-1) as Target;
  const target = pairedRatio(fastPath, refusal);
  console.log(
    `sold-out fast path CPU <= 1.1x the bare refusal route: ${target.ratio.toFixed(2)}x ${target.ratio <= 1.1 ? "PASS" : "FAIL"} ` +
      `(median of the rounds' ratios: ${target.rounds.map((r) => r.toFixed(2)).join(", ")})`,
  );
  // The same refusal from inside the discount's process: the part of the gap the fast path's own work is not.
  console.log(
    `the bare refusal inside the discount's process: ${pairedRatio(inProcess, refusal).ratio.toFixed(2)}x the bare route; ` +
      `the fast path ${pairedRatio(fastPath, inProcess).ratio.toFixed(2)}x that`,
  );
  // A quiet refusal writes no line; a repeat or a balance read does, and its floor includes it.
  const logged = targets.find((t) => t.name === `bare Bun route: ${"logged" satisfies Step}`) as Target;
  console.log(`the access log line at info: ${(microsOf(logged) - microsOf(refusal)).toFixed(2)} CPU µs per answer`);
}

process.exit(await runPinned(main));
