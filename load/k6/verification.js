/**
 * The end state after the traffic, checked in teardown(): winners' ranks, and each
 * winner's wallet credited exactly once.
 */
import http from "k6/http";
import { allWinners } from "./campaigns.js";
import { logFailures, verify } from "./checks.js";
import { WALLET_URL } from "./config.js";
import { describe, jsonOf, params } from "./http.js";
import { localPhone } from "./ids.js";

/** Ranks exactly 1..n in order (no gap, no duplicate) and every phone distinct; the problems found, as text. */
export function rankProblems(winners) {
  const problems = [];
  const phones = new Set();
  for (let i = 0; i < winners.length; i++) {
    const w = winners[i];
    if (w.rank !== i + 1 && problems.length < 10) problems.push(`position ${i + 1} holds rank ${w.rank}`);
    if (phones.has(w.phone) && problems.length < 10) problems.push(`phone ${w.phone} won twice`);
    phones.add(w.phone);
  }
  return problems;
}

/** Up to n items spread evenly over the list (all of them when n >= length). */
export function sample(list, n) {
  if (n >= list.length) return list.slice();
  const picked = [];
  const step = list.length / n;
  for (let i = 0; i < n; i++) picked.push(list[Math.floor(i * step)]);
  return picked;
}

/**
 * Reads each phone's wallet: the balance must be at least `amount`, and the ledger must
 * hold exactly one entry with `reference` (gift:<CODE>): credited once, never twice.
 * Runs `batch` requests at a time with http.batch. Emits checks tagged `tags`; returns
 * the failures as text for the log.
 */
export function verifyWallets(serviceToken, canonicalPhones, amount, reference, tags, batch = 20) {
  const failures = [];
  for (let start = 0; start < canonicalPhones.length; start += batch) {
    const chunk = canonicalPhones.slice(start, start + batch);
    const requests = [];
    for (const phone of chunk) {
      const path = `${WALLET_URL}/v1/wallets/${localPhone(phone)}`;
      requests.push({ method: "GET", url: path, params: params(serviceToken, { tags: { endpoint: "balance" } }) });
      requests.push({
        method: "GET",
        url: `${path}/transactions?limit=100`,
        params: params(serviceToken, { tags: { endpoint: "transactions" } }),
      });
    }
    const responses = http.batch(requests);
    chunk.forEach((phone, i) => {
      const wallet = jsonOf(responses[2 * i]);
      const page = jsonOf(responses[2 * i + 1]);
      const balanceOk = wallet !== null && wallet.phone === phone && wallet.balance >= amount;
      const credits =
        page && Array.isArray(page.items)
          ? page.items.filter((e) => e.reference === reference && e.kind === "credit")
          : [];
      const onceOk = credits.length === 1 && credits[0].amount === amount;
      verify(null, { "winner's wallet balance >= amount": () => balanceOk }, tags);
      verify(null, { "winner credited exactly once (one ledger entry for the code)": () => onceOk }, tags);
      if (!balanceOk || !onceOk) {
        failures.push(
          `${phone}: balance ${wallet ? wallet.balance : describe(responses[2 * i])}, entries ${credits.length}`,
        );
      }
    });
  }
  return failures;
}

/**
 * Reads every winner of a campaign and checks the ranks: as many rows as the report
 * counts, ranks exactly 1..N with distinct phones, phones in canonical form. Returns
 * the winners for further checks.
 */
export function verifyWinners(adminToken, code, summary, tags) {
  let winners = [];
  try {
    winners = allWinners(adminToken, code);
  } catch (error) {
    console.error(String(error));
    verify(null, { "report: every page readable": () => false }, tags);
  }
  const problems = rankProblems(winners);
  verify(
    null,
    {
      "winners: as many rows as the report counts": () => summary !== null && winners.length === summary.redeemed,
      "winners: ranks exactly 1..N, no gap, no duplicate, distinct phones": () => problems.length === 0,
      "winners: phones in canonical +98 form": () => winners.every((w) => /^\+989\d{9}$/.test(w.phone)),
    },
    tags,
  );
  logFailures("ranks", problems);
  return winners;
}
