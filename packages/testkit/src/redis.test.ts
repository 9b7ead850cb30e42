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

test.skipIf(Boolean(process.env.REDIS_URL))(
  "a Redis started with a password answers only clients that give it",
  async () => {
    const locked = await startRedis({ password: "open sesame" });
    try {
      const withPassword = new RedisClient(locked.url);
      expect(await withPassword.send("PING", [])).toBe("PONG");
      withPassword.close();
      const withoutPassword = new RedisClient(locked.url.replace(/\/\/.*@/, "//"), { autoReconnect: false });
      await expect(withoutPassword.send("PING", [])).rejects.toThrow(/NOAUTH/);
      withoutPassword.close();
    } finally {
      await locked.dispose();
    }
  },
);
