import { expect, test } from "bun:test";
import { ClaimMemory, MEMORY_MAX_AGE_MS, SettledAnswers, SoldOutBook } from "./memory";
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
  answers.remember(answer("+989120000001", "pending"), "gift");
  answers.remember(answer("+989120000002", "failed"), "gift");
  answers.remember(answer("+989120000003", "credited"), "gift");
  expect(answers.get("IRBR2026", "+989120000001")).toBeUndefined();
  expect(answers.get("IRBR2026", "+989120000002")).toBeUndefined();
  expect(answers.get("IRBR2026", "+989120000003")).toEqual(answer("+989120000003", "credited"));
  expect(answers.get("OTHER", "+989120000003")).toBeUndefined();
});

test("past its limit the oldest answers are forgotten first", () => {
  const answers = new SettledAnswers({ gift: 2, coupon: 2 });
  for (const n of [1, 2, 3]) answers.remember(answer(`+98912000000${n}`, "credited"), "gift");
  expect(answers.get("IRBR2026", "+989120000001")).toBeUndefined();
  expect(answers.get("IRBR2026", "+989120000002")).toBeDefined();
  expect(answers.get("IRBR2026", "+989120000003")).toBeDefined();
});

test("a winner asking again, answered from memory, pushes no other answer out", () => {
  const answers = new SettledAnswers({ gift: 2, coupon: 2 });
  for (const n of [1, 2]) answers.remember(answer(`+98912000000${n}`, "credited"), "gift");
  for (let repeat = 0; repeat < 3; repeat++) answers.remember(answer("+989120000002", "credited"), "gift");
  expect(answers.get("IRBR2026", "+989120000001")).toBeDefined();
  expect(answers.get("IRBR2026", "+989120000002")).toBeDefined();
});

test("a flood of coupon winners does not push a match winner's answer out", () => {
  const answers = new SettledAnswers();
  answers.remember(answer("+989120000001", "credited"), "gift");
  for (let i = 0; i < 20_000; i++) {
    const won = { ...answer(`+98912${String(3_000_000 + i)}`, "credited"), code: `CPN${String(i).padStart(5, "0")}` };
    answers.remember(won, "coupon");
  }
  expect(answers.get("IRBR2026", "+989120000001")).toEqual(answer("+989120000001", "credited"));
  expect(answers.get("CPN19999", "+989123019999")).toBeDefined();
  expect(answers.get("CPN00000", "+989123000000")).toBeUndefined();
});

test("once no winner of a kind has been added for MEMORY_MAX_AGE_MS, its answers, all past use, are let go", () => {
  let now = 1_000_000;
  const answers = new SettledAnswers(undefined, () => now);
  for (let i = 0; i < 3_000; i++) answers.remember(answer(`+98912${String(3_000_000 + i)}`, "credited"), "gift");
  expect(answers.size).toBe(3_000);
  now += MEMORY_MAX_AGE_MS;
  // Coupon winners keep coming; the match's answers are still within their age, then past it.
  answers.remember({ ...answer("+989124000000", "credited"), code: "CPN00001" }, "coupon");
  expect(answers.size).toBe(3_001);
  now += 1;
  answers.remember({ ...answer("+989124000001", "credited"), code: "CPN00002" }, "coupon");
  expect(answers.size).toBe(2);
  expect(answers.get("CPN00002", "+989124000001")).toBeDefined();
  // And when nothing is won at all, the next question lets the rest go too.
  now += MEMORY_MAX_AGE_MS + 1;
  expect(answers.get("IRBR2026", "+989123000000")).toBeUndefined();
  expect(answers.size).toBe(0);
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

test("a reversal forgets at once on its instance; elsewhere a full campaign is read again after MEMORY_MAX_AGE_MS", async () => {
  let now = 1_000_000;
  const clock = () => now;
  const campaign = { id: 1, code: "IRBR2026", kind: "coupon" as const, maxRedemptions: 1 };
  // The DB's word: the coupon's winner, until it is rolled back.
  let dbWinners: Map<string, number> | undefined = new Map([["+989120000001", 1]]);
  const book = () => new SoldOutBook(async () => dbWinners, undefined, clock);
  const here = new ClaimMemory(book(), new SettledAnswers(undefined, clock));
  const elsewhere = new ClaimMemory(book(), new SettledAnswers(undefined, clock));
  for (const memory of [here, elsewhere]) {
    memory.learn(campaign, { kind: "won", result: answer("+989120000001", "credited") }, now);
    memory.learn(campaign, { kind: "sold-out" }, now);
  }
  await Bun.sleep(0);
  expect(elsewhere.answer("IRBR2026", "+989120000002")).toEqual({ kind: "sold-out" });

  dbWinners = undefined;
  here.forget("IRBR2026", "+989120000001");
  expect(here.answer("IRBR2026", "+989120000002")).toEqual({ kind: "open" });
  expect(here.answer("IRBR2026", "+989120000001")).toEqual({ kind: "open" });

  now += MEMORY_MAX_AGE_MS;
  expect(elsewhere.answer("IRBR2026", "+989120000002")).toEqual({ kind: "sold-out" });
  now += 1;
  // Aged: still answered from the old list while the DB is read again, then no longer.
  expect(elsewhere.answer("IRBR2026", "+989120000002")).toEqual({ kind: "sold-out" });
  await Bun.sleep(0);
  expect(elsewhere.answer("IRBR2026", "+989120000002")).toEqual({ kind: "open" });
  expect(elsewhere.answer("IRBR2026", "+989120000001")).toEqual({ kind: "open" });
});

test("a full campaign read again and still full keeps being answered from memory", async () => {
  let now = 0;
  const reads: number[] = [];
  const campaign = { id: 2, code: "FULL", kind: "gift" as const, maxRedemptions: 1 };
  const book = new SoldOutBook(
    async () => {
      reads.push(now);
      return new Map([["+989120000001", 1]]);
    },
    undefined,
    () => now,
  );
  book.markSoldOut(campaign, now);
  await Bun.sleep(0);
  for (const step of [1, 2, 3]) {
    now = step * (MEMORY_MAX_AGE_MS + 1);
    expect(book.verdict("FULL", "+989120000002")).toBe("loser");
    await Bun.sleep(0);
  }
  expect(reads).toEqual([0, 5_001, 10_002, 15_003]);
});
