import { expect, test } from "bun:test";
import { ConfigError } from "@matchday/shared/config";
import { loadDiscountConfig } from "../config";

const SECRET = "a-jwt-secret-long-enough-for-the-check-0123456789";
const load = (env: Record<string, string>) => loadDiscountConfig({ JWT_SECRET: SECRET, ...env }).redis;
const problems = (env: Record<string, string>) => {
  try {
    load(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
  return [];
};

test("with no Redis setting the service uses one local server", () => {
  expect(load({})).toEqual({ mode: "single", url: "redis://127.0.0.1:6379" });
});

test("REDIS_SENTINELS names the sentinels, REDIS_SENTINEL_MASTER the master, REDIS_PASSWORD the data nodes' password", () => {
  expect(load({ REDIS_SENTINELS: "s1:26379, s2:26380", REDIS_SENTINEL_MASTER: "gifts", REDIS_PASSWORD: "pw" })).toEqual(
    {
      mode: "sentinel",
      sentinels: [
        { host: "s1", port: 26379 },
        { host: "s2", port: 26380 },
      ],
      masterName: "gifts",
      password: "pw",
    },
  );
  expect(load({ REDIS_SENTINELS: "s1:26379" })).toMatchObject({ masterName: "mymaster", password: undefined });
});

test("REDIS_CLUSTER_NODES lists seed nodes of a cluster, an IPv6 address in brackets", () => {
  expect(load({ REDIS_CLUSTER_NODES: "[fd00::1]:7000" })).toMatchObject({ nodes: [{ host: "fd00::1", port: 7000 }] });
  expect(load({ REDIS_CLUSTER_NODES: "10.0.0.1:7000,10.0.0.2:7001" })).toEqual({
    mode: "cluster",
    nodes: [
      { host: "10.0.0.1", port: 7000 },
      { host: "10.0.0.2", port: 7001 },
    ],
    password: undefined,
  });
});

test("two topologies at once, or a node without a port, is refused naming the setting", () => {
  expect(problems({ REDIS_URL: "redis://r:6379", REDIS_CLUSTER_NODES: "a:1" })).toEqual([
    "set only one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES; got REDIS_URL, REDIS_CLUSTER_NODES",
  ]);
  expect(problems({ REDIS_CLUSTER_NODES: "a:1,b" })).toEqual([
    'REDIS_CLUSTER_NODES must be host:port,host:port,..., got "a:1,b"',
  ]);
  expect(problems({ REDIS_SENTINELS: "a:70000" })).toEqual([
    'REDIS_SENTINELS must be host:port,host:port,..., got "a:70000"',
  ]);
});
