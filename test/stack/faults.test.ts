import { describe, expect, inject, it } from "vitest";
import { neonFault, upstashFault } from "../helpers/redis";

// The per-request fault prefixes (stack/control.ts `/__fault/<mode>/…`) as the drivers' own HTTP
// calls meet them, without the Worker in between (the hardening suites test the Worker's answers).
// The global switch (`POST /__stack/config`) would break every suite running at the same time, so
// only the per-request form is tested here; it goes through the same fault code.

const neonBody = JSON.stringify({ query: "select 42 as n", params: [] });
const neonHeaders = {
  "content-type": "application/json",
  "Neon-Connection-String": "postgres://sikdan:sikdan@db.sikdan.localhost/sikdan",
};
const upstashHeaders = {
  Authorization: `Bearer ${inject("upstashToken")}`,
  "content-type": "application/json",
};

async function timed<T>(work: () => Promise<T>): Promise<[T | Error, number]> {
  const started = Date.now();
  try {
    return [await work(), Date.now() - started];
  } catch (err) {
    return [err as Error, Date.now() - started];
  }
}

describe("per-request faults of the local stack", () => {
  it("down: the connection is dropped at once (Neon and Upstash)", async () => {
    const [neon, neonMs] = await timed(() =>
      fetch(neonFault("down"), { method: "POST", headers: neonHeaders, body: neonBody }),
    );
    const [redis, redisMs] = await timed(() =>
      fetch(upstashFault("down"), { method: "POST", headers: upstashHeaders, body: '["PING"]' }),
    );
    expect(neon).toBeInstanceOf(Error);
    expect(redis).toBeInstanceOf(Error);
    expect(neonMs).toBeLessThan(1000);
    expect(redisMs).toBeLessThan(1000);
  });

  it("error: 503 with an HTML body, as a proxy in front of the service answers", async () => {
    for (const [url, headers, body] of [
      [neonFault("error"), neonHeaders, neonBody],
      [upstashFault("error"), upstashHeaders, '["PING"]'],
    ] as const) {
      const response = await fetch(url, { method: "POST", headers, body });
      expect(response.status).toBe(503);
      expect(response.headers.get("content-type")).toMatch(/html/);
      await response.arrayBuffer();
    }
  });

  it("hang: no answer; only the client's timeout ends the call", async () => {
    const [neon, neonMs] = await timed(() =>
      fetch(neonFault("hang"), {
        method: "POST",
        headers: neonHeaders,
        body: neonBody,
        signal: AbortSignal.timeout(300),
      }),
    );
    const [redis, redisMs] = await timed(() =>
      fetch(upstashFault("hang"), {
        method: "POST",
        headers: upstashHeaders,
        body: '["PING"]',
        signal: AbortSignal.timeout(300),
      }),
    );
    expect(neon).toBeInstanceOf(Error);
    expect(redis).toBeInstanceOf(Error);
    expect(neonMs).toBeGreaterThanOrEqual(290);
    expect(redisMs).toBeGreaterThanOrEqual(290);
  });

  it("none: the same endpoints answer normally", async () => {
    const neon = await fetch(neonFault("none"), {
      method: "POST",
      headers: neonHeaders,
      body: neonBody,
    });
    expect(neon.status).toBe(200);
    expect(((await neon.json()) as { rows: { n: string }[] }).rows).toEqual([{ n: "42" }]);
    const redis = await fetch(upstashFault("none"), {
      method: "POST",
      headers: upstashHeaders,
      body: '["PING"]',
    });
    expect(await redis.json()).toEqual({ result: "PONG" });
  });
});
