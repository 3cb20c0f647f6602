import { afterEach, describe, expect, it } from "vitest";
import { BREAKER_RETRY_MS } from "../../src/lib/breaker";
import { redisBreaker } from "../../src/services/cache";
import { readThrough } from "../../src/services/user-cache";
import { captureConsole } from "../helpers/console";
import { createLog, validLog } from "../helpers/logs";
import { redisCommand } from "../helpers/redis";
import { send } from "../helpers/requests";
import {
  authOf,
  CACHED_READS,
  cachedEntry,
  cachedReadsOf,
  commitWithoutSettle,
  databaseVersion,
  FROM,
  loseUserKeys,
  recycleIsolate,
  servicesFor,
  TO,
  truthOf,
  upstashWith,
  warmAll,
} from "../helpers/user-cache";
import { account } from "../helpers/users";
import { eventually, sleep } from "../helpers/wait";

/**
 * The user cache against faults injected BETWEEN the steps of a write (src/services/user-cache.ts):
 * after each, every cached read (summary, stats, badges) must equal what PostgreSQL says. A log write
 * moves all three (its first log also awards a badge).
 */

const SUMMARY = `summary:${FROM}:${TO}`;
const newLog = (calories: number) => validLog({ calories });

/** Runs `work` with the outage's warnings kept out of the output. */
async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const console_ = captureConsole();
  try {
    return await work();
  } finally {
    console_.restore();
  }
}

async function expectFresh(who: Awaited<ReturnType<typeof account>>) {
  const truth = await truthOf(who);
  for (const answers of await cachedReadsOf(who)) expect(answers).toEqual(truth);
  return truth;
}

afterEach(() => recycleIsolate());

describe("a write Redis never heard of", () => {
  it("Redis down when the write starts, up for the next reads, in a recycled isolate: no stale read", async () => {
    const who = await account();
    await createLog(who.accessToken, newLog(500));
    await warmAll(who);
    const written = await quietly(() =>
      send(
        {
          method: "POST",
          path: "/v1/logs",
          token: who.accessToken,
          json: { ...newLog(300), mealType: "snack" },
        },
        upstashWith("__fault/down"),
      ),
    );
    expect(written.status).toBe(201);
    // Redis itself still holds the old entries at the version it knows, with no fence: only the
    // epoch the write bumped in PostgreSQL stands between them and a reader.
    for (const name of Object.keys(CACHED_READS)) expect((await cachedEntry(who, name))?.servable).toBe(true);
    recycleIsolate();
    const truth = await expectFresh(who);
    expect((truth[SUMMARY] as { totals: { calories: number } }).totals.calories).toBe(800);
    // And the cache works again at the new epoch.
    await warmAll(who);
    await expectFresh(who);
  });

  it("the same isolate: reads skip Redis while the breaker is open, and check the epoch after its probe", async () => {
    const who = await account();
    await createLog(who.accessToken, newLog(500));
    await warmAll(who);
    await quietly(async () => {
      const written = await send(
        { method: "POST", path: "/v1/logs", token: who.accessToken, json: newLog(250) },
        upstashWith("__fault/error"),
      );
      expect(written.status).toBe(201);
      expect(redisBreaker.isOpen).toBe(true);
      await expectFresh(who);
      await sleep(BREAKER_RETRY_MS + 50);
      await expectFresh(who);
    });
    expect(redisBreaker.isOpen).toBe(false);
  });

  it("a stalled Redis: the fence times out, the write is acknowledged, the fence lands seconds later", {
    timeout: 30_000,
  }, async () => {
    const who = await account();
    await createLog(who.accessToken, newLog(500));
    await warmAll(who);
    const written = await quietly(() =>
      send(
        { method: "POST", path: "/v1/logs", token: who.accessToken, json: newLog(120) },
        upstashWith("__fault/slow"),
      ),
    );
    expect(written.status).toBe(201);
    recycleIsolate();
    await expectFresh(who);
    // The stalled fence reaches Redis after the write's response; reads stay fresh meanwhile and after.
    await eventually(async () => Number(await redisCommand("ZCARD", `uc:${who.user.id}:fences`)) > 0, 10_000);
    await expectFresh(who);
  });
});

describe("Redis losing what it knew", () => {
  it("every key of the user lost after a write: the next reads are computed again, then cached", async () => {
    const who = await account();
    await createLog(who.accessToken, newLog(500));
    await warmAll(who);
    await createLog(who.accessToken, newLog(70));
    await loseUserKeys(who.user.id);
    await expectFresh(who);
    await warmAll(who);
    await expectFresh(who);
  });

  it("a write's settle never arrives: its fence keeps the old entries unservable, then the next read repairs", async () => {
    const who = await account();
    await createLog(who.accessToken, newLog(500));
    await warmAll(who);
    await commitWithoutSettle(who);
    await expectFresh(who);
    for (const name of Object.keys(CACHED_READS))
      expect((await cachedEntry(who, name))?.servable).toBe(false);
    // Past its deadline (here: moved to the past), the next read clears it and fills the cache.
    const fences = `uc:${who.user.id}:fences`;
    const tokens = (await redisCommand("ZRANGE", fences, 0, -1)) as string[];
    for (const token of tokens) await redisCommand("ZADD", fences, 1, token);
    await warmAll(who);
    expect(Number(await redisCommand("ZCARD", fences))).toBe(0);
    expect((await cachedEntry(who, "stats"))?.version).toBe(await databaseVersion(who.user.id));
    await expectFresh(who);
  });
});

describe("a read that overlaps a write", () => {
  for (const lose of [false, true]) {
    it(`never stores what it read before the write committed${lose ? " (and Redis lost the user's keys meanwhile)" : ""}`, async () => {
      const who = await account();
      await createLog(who.accessToken, newLog(500));
      const before = await truthOf(who);
      const versionBefore = await databaseVersion(who.user.id);
      // The reader misses and reads PostgreSQL before the write (here: its answer is held back).
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const { services, settled } = servicesFor();
      const reading = readThrough(services, authOf(who), "stats", async () => {
        await gate;
        return { value: before.stats, version: versionBefore };
      });
      // The write commits, and Redis learns its version, while the reader is still in PostgreSQL.
      await createLog(who.accessToken, newLog(90));
      const versionAfter = await databaseVersion(who.user.id);
      await eventually(
        async () => Number(await redisCommand("GET", `uc:${who.user.id}:version`)) === versionAfter,
      );
      if (lose) await loseUserKeys(who.user.id);
      release();
      expect(await reading).toEqual(before.stats);
      await settled();
      expect((await cachedEntry(who, "stats"))?.servable ?? false).toBe(false);
      await expectFresh(who);
    });
  }
});
