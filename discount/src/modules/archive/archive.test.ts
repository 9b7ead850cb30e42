import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { ArchiveDir, type ArchiveSource, restoreArchive, runArchive } from "@matchday/shared/archive";
import { bearer } from "@matchday/shared/test-support";
import { type DiscountStack, type DiscountUnderTest, startDiscountStack } from "../../testing";
import { redemptionArchiveSource } from "./redemption-source";

const POLICY = { afterMonths: 6, retainMonths: 24 };
/** Eight months on, everything that ended today is past the six-month cut-off. */
const later = () => Date.now() + 8 * 31 * 86_400_000;

let stack: DiscountStack;
let discount: DiscountUnderTest;
let admin: Record<string, string>;
let service: Record<string, string>;
let source: ArchiveSource;
let archiveRoot: string;
let locations = 0;
let phones = 0;
const nextPhone = () => `0935${String(1_000_000 + ++phones).slice(-7)}`;

beforeAll(async () => {
  stack = await startDiscountStack();
  ({ discount } = stack);
  admin = await bearer("admin");
  service = await bearer("service");
  source = redemptionArchiveSource(discount.store);
  archiveRoot = mkdtempSync(join(tmpdir(), "matchday-archive-"));
});
afterAll(async () => {
  await stack?.dispose();
  rmSync(archiveRoot, { recursive: true, force: true });
});

const freshDir = () => new ArchiveDir(join(archiveRoot, `run-${locations++}`));

async function newCampaign(maxRedemptions: number, endsInMs?: number): Promise<string> {
  const endsAt = endsInMs === undefined ? undefined : new Date(Date.now() + endsInMs).toISOString();
  const res = await fetch(`${discount.url}/v1/campaigns`, {
    method: "POST",
    headers: { ...admin, "content-type": "application/json" },
    body: JSON.stringify({ name: "archive", amount: 1_000_000, maxRedemptions, endsAt }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { code: string }).code;
}

async function redeem(code: string, phone = nextPhone()) {
  const res = await fetch(`${discount.url}/v1/redeem`, {
    method: "POST",
    headers: { ...service, "content-type": "application/json" },
    body: JSON.stringify({ code, phone }),
  });
  return res.status;
}

async function rows(query: string, args: (string | number)[] = []) {
  return (await discount.store.client.execute({ sql: query, args })).rows;
}
const winnersOf = (code: string) =>
  rows(
    `SELECT r.*, o.status AS delivery FROM redemptions r JOIN campaigns c ON c.id = r.campaign_id
     JOIN outbox o ON o.redemption_id = r.id WHERE c.code = ? ORDER BY r.id`,
    [code],
  );

/** A campaign that ends shortly, with its winners credited, and then ended. */
async function endedCampaign(winners: number): Promise<string> {
  const code = await newCampaign(winners, 1_500);
  for (let i = 0; i < winners; i++) expect(await redeem(code)).toBe(201);
  for (;;) {
    const settled = await winnersOf(code);
    if (settled.every((w) => w.status === "credited" && w.delivery === "done")) break;
    await Bun.sleep(50);
  }
  const [campaign] = await rows("SELECT ends_at FROM campaigns WHERE code = ?", [code]);
  await Bun.sleep(Math.max(0, Number(campaign?.ends_at) - Date.now() + 10));
  return code;
}

describe("archiving redemptions", () => {
  test("credited winners of campaigns that ended are archived with their deliveries; open and unsettled ones stay", async () => {
    const ended = await endedCampaign(4);
    const open = await newCampaign(5);
    expect(await redeem(open)).toBe(201);
    const [failed] = await winnersOf(ended);
    await rows("UPDATE redemptions SET status = 'failed', failure = 'wallet refused' WHERE id = ?", [
      Number(failed?.id),
    ]);
    const location = freshDir();

    const report = await runArchive(location, [source], POLICY, later());

    expect(report.archived.map((a) => a.rows)).toEqual([3]);
    expect((await winnersOf(ended)).map((w) => w.status)).toEqual(["failed"]);
    expect(await winnersOf(open)).toHaveLength(1);
    const [file] = location.manifest().files;
    const lines = gunzipSync(readFileSync(join(location.path, file?.name ?? "")))
      .toString("utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { id: number; status: string; outbox: { status: string; phone: string } });
    expect(lines.map((l) => [l.status, l.outbox.status])).toEqual([
      ["credited", "done"],
      ["credited", "done"],
      ["credited", "done"],
    ]);
    expect(
      await rows(
        "SELECT id FROM outbox WHERE redemption_id IN (?, ?, ?)",
        lines.map((l) => l.id),
      ),
    ).toHaveLength(0);
  });

  test("restore puts winners and deliveries back exactly, and archiving again writes the identical file", async () => {
    const code = await endedCampaign(3);
    const before = await winnersOf(code);
    const outboxBefore = await rows("SELECT * FROM outbox ORDER BY id");
    const location = freshDir();
    await runArchive(location, [source], POLICY, later());
    expect(await winnersOf(code)).toEqual([]);
    const [file] = location.manifest().files;
    const bytes = readFileSync(join(location.path, file?.name ?? ""));

    await restoreArchive(location, [source], file?.name ?? "", Date.now());

    expect(await winnersOf(code)).toEqual(before);
    expect(await rows("SELECT * FROM outbox ORDER BY id")).toEqual(outboxBefore);
    const reportAfter = await fetch(`${discount.url}/v1/campaigns/${code}/report`, { headers: admin });
    expect(await reportAfter.json()).toMatchObject({ redeemed: 3, credited: 3 });

    await runArchive(location, [source], POLICY, later());
    expect(location.manifest().files.map((f) => f.name)).toEqual([file?.name as string]);
    expect(readFileSync(join(location.path, file?.name ?? "")).equals(bytes)).toBe(true);
  });
});
