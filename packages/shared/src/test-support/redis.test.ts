import { afterAll, beforeAll, expect, test } from "bun:test";
import { RedisClient } from "bun";
import { type RedisHandle, startRedis } from "./redis";

let redis: RedisHandle;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.dispose());

test("a test gets a real Redis that answers commands", async () => {
  const client = new RedisClient(redis.url);
  await client.set("support:probe", "1");
  expect(await client.get("support:probe")).toBe("1");
  client.close();
});

test.skipIf(Boolean(process.env.REDIS_URL))(
  "an owned Redis can be killed and comes back empty on the same URL",
  async () => {
    const before = new RedisClient(redis.url);
    await before.set("support:lost", "1");
    before.close();
    await redis.stop({ hard: true });
    await redis.start();
    const after = new RedisClient(redis.url);
    expect(await after.get("support:lost")).toBeNull();
    after.close();
  },
);
