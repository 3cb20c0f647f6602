import { afterEach, describe, expect, inject, it } from "vitest";
import { BREAKER_RETRY_MS } from "../../src/lib/breaker";
import { redisBreaker } from "../../src/services/cache";
import { captureConsole } from "../helpers/console";
import { sql } from "../helpers/db";
import { uniqueIp } from "../helpers/http";
import { createLog } from "../helpers/logs";
import { send } from "../helpers/requests";
import { CACHED_READS, recycleIsolate, truthOf, upstashWith } from "../helpers/user-cache";
import { account, uniqueEmail } from "../helpers/users";
import { sleep } from "../helpers/wait";

/**
 * The isolate's circuit breaker for Redis (src/lib/breaker.ts): after the first failure requests
 * skip Redis (counted here as the Upstash requests that reached the local stack, per tag), one probe
 * goes through every BREAKER_RETRY_MS, and the first success closes it.
 */

async function upstashRequests(tag: string): Promise<number> {
  const response = await fetch(`${inject("upstashUrl")}/__stack/stats?tag=${tag}`);
  return ((await response.json()) as { requests: number }).requests;
}

const tagged = (fault?: string) => {
  const tag = `breaker-${crypto.randomUUID().slice(0, 8)}`;
  return { tag, bindings: upstashWith(`__tag/${tag}`, ...(fault ? [`__fault/${fault}`] : [])) };
};

afterEach(() => recycleIsolate());

describe("Redis failing: skipped after the first failure, probed, noticed back", () => {
  for (const fault of ["down", "hang"]) {
    it(`Upstash ${fault}: one request pays the failure, the next ones skip Redis and still answer from PostgreSQL`, async () => {
      const who = await account();
      await createLog(who.accessToken, { calories: 410 });
      const truth = await truthOf(who);
      const { tag, bindings } = tagged(fault);
      const console_ = captureConsole();
      try {
        const path = CACHED_READS.stats;
        for (let i = 0; i < 5; i++) {
          const res = await send({ path, token: who.accessToken }, bindings);
          expect(res.body).toEqual(truth.stats);
        }
        expect(redisBreaker.isOpen).toBe(true);
        expect(await upstashRequests(tag)).toBe(1);

        // Half-open: after the retry delay, exactly one request probes (and fails again here).
        await sleep(BREAKER_RETRY_MS + 50);
        for (let i = 0; i < 3; i++) await send({ path, token: who.accessToken }, bindings);
        expect(await upstashRequests(tag)).toBe(2);

        // Redis back: the next probe succeeds and closes the breaker; requests use Redis again.
        const healthy = tagged();
        await sleep(BREAKER_RETRY_MS + 50);
        const first = await send({ path, token: who.accessToken }, healthy.bindings);
        expect(first.body).toEqual(truth.stats);
        expect(redisBreaker.isOpen).toBe(false);
        await send({ path, token: who.accessToken }, healthy.bindings);
        expect(await upstashRequests(healthy.tag)).toBeGreaterThanOrEqual(2);
      } finally {
        console_.restore();
      }
    });
  }

  it("the per-IP limits fail open while the breaker is open: over the per-IP auth limit, every answer is 401", async () => {
    // (The failed-login limit per email is counted by PostgreSQL and holds whatever Redis does:
    // test/auth/rate-limit.test.ts. Each attempt here names another email, so only the per-IP
    // limit, 3 here, could refuse them.)
    const { tag, bindings } = tagged("down");
    const console_ = captureConsole();
    try {
      const ip = uniqueIp();
      for (let i = 0; i < 12; i++) {
        const res = await send(
          {
            method: "POST",
            path: "/v1/auth/login",
            json: { email: uniqueEmail(), password: `wrong ${i}` },
            headers: { "cf-connecting-ip": ip },
          },
          { ...bindings, RATE_LIMIT_AUTH_PER_IP: "3", RATE_LIMIT_PER_IP: "on" },
        );
        expect(res.status).toBe(401);
      }
      expect(await upstashRequests(tag)).toBe(1);
    } finally {
      console_.restore();
    }
  });

  it("a write does not wait for Redis while the breaker is open, and bumps the epoch in its own batch", async () => {
    const who = await account();
    const { tag, bindings } = tagged("hang");
    const epochBefore = await databaseEpoch();
    const console_ = captureConsole();
    try {
      const first = await send(
        { method: "POST", path: "/v1/logs", token: who.accessToken, json: { ...logBody, calories: 1 } },
        bindings,
      );
      expect(first.status).toBe(201);
      expect(redisBreaker.isOpen).toBe(true);
      const second = await send(
        { method: "POST", path: "/v1/logs", token: who.accessToken, json: { ...logBody, calories: 2 } },
        bindings,
      );
      expect(second.status).toBe(201);
      expect(await upstashRequests(tag)).toBe(1);
      // Each write bumped the database epoch (the first after its batch, the second inside it).
      expect(await databaseEpoch()).toBe(epochBefore + 2);
    } finally {
      console_.restore();
    }
  });
});

async function databaseEpoch() {
  const [row] = await sql<{ epoch: string }>("select epoch::text as epoch from cache_epoch");
  return Number(row?.epoch);
}

const logBody = { mealType: "lunch", eatenAt: "2026-11-20T12:30:00+09:00", title: "Bibimbap" };
