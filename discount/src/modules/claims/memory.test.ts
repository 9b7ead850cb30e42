import { expect, test } from "bun:test";
import { ClaimMemory, SettledAnswers, SoldOutBook } from "./memory";
import type { RedeemResult } from "./model";

const answer = (phone: string, status: RedeemResult["status"]): RedeemResult => ({
  status,
  code: "IRBR2026",
  phone,
  rank: 1,
  amount: 1_000_000,
  redeemedAt: "2026-11-23T18:00:00.000Z",
});

test("only a credited answer is kept: pending and failed ones may still change", () => {
  const answers = new SettledAnswers();
  answers.remember(answer("+989120000001", "pending"));
  answers.remember(answer("+989120000002", "failed"));
  answers.remember(answer("+989120000003", "credited"));
  expect(answers.get("IRBR2026", "+989120000001")).toBeUndefined();
  expect(answers.get("IRBR2026", "+989120000002")).toBeUndefined();
  expect(answers.get("IRBR2026", "+989120000003")).toEqual(answer("+989120000003", "credited"));
  expect(answers.get("OTHER", "+989120000003")).toBeUndefined();
});

test("past its limit the oldest answers are forgotten first", () => {
  const answers = new SettledAnswers(2);
  for (const n of [1, 2, 3]) answers.remember(answer(`+98912000000${n}`, "credited"));
  expect(answers.get("IRBR2026", "+989120000001")).toBeUndefined();
  expect(answers.get("IRBR2026", "+989120000002")).toBeDefined();
  expect(answers.get("IRBR2026", "+989120000003")).toBeDefined();
});

test("a winner asking again, answered from memory, pushes no other answer out", () => {
  const answers = new SettledAnswers(2);
  for (const n of [1, 2]) answers.remember(answer(`+98912000000${n}`, "credited"));
  for (let repeat = 0; repeat < 3; repeat++) answers.remember(answer("+989120000002", "credited"));
  expect(answers.get("IRBR2026", "+989120000001")).toBeDefined();
  expect(answers.get("IRBR2026", "+989120000002")).toBeDefined();
});

test("memory answers sold out to a full campaign's loser and a winner's settled answer; an unsettled winner goes to the DB, the rest to the gate", async () => {
  const campaign = { id: 1, code: "IRBR2026", kind: "gift" as const, maxRedemptions: 2 };
  const memory = new ClaimMemory(
    new SoldOutBook(
      async () =>
        new Map([
          ["+989120000001", 1],
          ["+989120000003", 2],
        ]),
    ),
  );
  expect(memory.answer("IRBR2026", "+989120000002")).toEqual({ kind: "open" });
  memory.learn(campaign, { kind: "won", result: answer("+989120000001", "credited") }, 0);
  memory.learn(campaign, { kind: "sold-out" }, 0);
  await Bun.sleep(0); // the book loads the winners
  expect(memory.hasGift()).toBe(true);
  expect(memory.answer("IRBR2026", "+989120000002")).toEqual({ kind: "sold-out" });
  expect(memory.answer("IRBR2026", "+989120000001")).toEqual({
    kind: "repeat",
    result: answer("+989120000001", "credited"),
  });
  // A winner whose answer may still change is the DB's to answer.
  expect(memory.answer("IRBR2026", "+989120000003")).toEqual({ kind: "winner" });
  expect(memory.answer("OTHER", "+989120000001")).toEqual({ kind: "open" });
});
