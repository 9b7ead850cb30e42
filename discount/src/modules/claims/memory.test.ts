import { expect, test } from "bun:test";
import { SettledAnswers } from "./memory";
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
