import { describe, expect, test } from "bun:test";
import { checkDestination } from "./destination";

const strict = { allowHttp: false, allowPrivate: false };

describe("the webhook destination guard", () => {
  test("a public https address is allowed", async () => {
    expect(await checkDestination("https://93.184.215.14/hooks", strict)).toMatchObject({ ok: true });
    expect(await checkDestination("https://[2606:4700::1111]/hooks", strict)).toMatchObject({ ok: true });
  });

  test("plain http is refused unless allowed, and other schemes always", async () => {
    expect(await checkDestination("http://93.184.215.14/", strict)).toEqual({
      ok: false,
      reason: "url must use https:",
    });
    expect(await checkDestination("http://93.184.215.14/", { ...strict, allowHttp: true })).toMatchObject({ ok: true });
    for (const url of ["ftp://93.184.215.14/", "file:///etc/passwd", "gopher://93.184.215.14/"])
      expect(await checkDestination(url, { allowHttp: true, allowPrivate: true })).toMatchObject({ ok: false });
  });

  test("loopback, private, link-local, metadata and other special addresses are refused, however they are written", async () => {
    const refused = {
      "https://127.0.0.1/": "loopback",
      "https://localhost:8443/": "loopback",
      "https://[::1]/": "loopback",
      "https://[::ffff:127.0.0.1]/": "loopback",
      "https://10.1.2.3/": "private",
      "https://192.168.0.10/": "private",
      "https://172.16.5.4/": "private",
      "https://169.254.169.254/latest/meta-data/": "linkLocal",
      "https://[fe80::1]/": "linkLocal",
      "https://[fd00:ec2::254]/": "uniqueLocal",
      "https://100.100.100.200/": "carrierGradeNat",
      "https://0.0.0.0/": "unspecified",
      "https://2130706433/": "loopback", // 127.0.0.1 as one number: URL parsing normalises it first
    };
    for (const [url, range] of Object.entries(refused)) {
      const answer = await checkDestination(url, strict);
      expect(answer.ok, url).toBe(false);
      if (!answer.ok) expect(answer.reason, url).toContain(`a ${range} address`);
    }
  });

  test("a private address is allowed when the service is configured for it", async () => {
    expect(await checkDestination("https://127.0.0.1:9999/", { ...strict, allowPrivate: true })).toMatchObject({
      ok: true,
    });
  });

  test("a host that does not resolve, a URL with credentials and a relative URL are refused with the reason", async () => {
    expect(await checkDestination("https://nothing-here.invalid/", strict)).toEqual({
      ok: false,
      reason: "nothing-here.invalid does not resolve",
    });
    expect(await checkDestination("https://user:pw@93.184.215.14/", strict)).toEqual({
      ok: false,
      reason: "url must not carry credentials",
    });
    expect(await checkDestination("/hooks", strict)).toEqual({ ok: false, reason: "url is not an absolute URL" });
  });
});
