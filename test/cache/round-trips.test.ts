import { afterEach, describe, expect, it } from "vitest";
import { createLog } from "../helpers/logs";
import { redisCommand } from "../helpers/redis";
import { send } from "../helpers/requests";
import { countedRoundTrips, roundTripTags, taggedBindings } from "../helpers/round-trips";
import { CACHED_READS, recycleIsolate, warmAll } from "../helpers/user-cache";
import { account } from "../helpers/users";
import { eventually } from "../helpers/wait";

/**
 * What each step of the user cache costs, counted by the local Neon and Upstash endpoints under tags
 * of this file's own (requests, not time): a warm read is 0 database and 1 Redis round trips; a cold
 * read 1 database round trip, with Redis asked in parallel; a write 1 database round trip, with its
 * fence in parallel.
 */

afterEach(() => recycleIsolate());

describe("round trips of the user cache", () => {
  it("warm reads: 0 database, 1 Redis; a write: 1 database, 1 Redis before its answer (+1 after)", async () => {
    const who = await account();
    await createLog(who.accessToken, { calories: 300 });
    await warmAll(who);
    for (const path of Object.values(CACHED_READS)) {
      const tag = roundTripTags();
      const res = await send({ path, token: who.accessToken }, taggedBindings(tag));
      expect(res.status).toBe(200);
      expect(await countedRoundTrips(tag), path).toEqual({ db: 0, redis: 1 });
    }
    const tag = roundTripTags();
    const written = await send(
      {
        method: "POST",
        path: "/v1/logs",
        token: who.accessToken,
        json: { mealType: "lunch", eatenAt: "2026-11-20T12:30:00+09:00", title: "Naengmyeon" },
      },
      taggedBindings(tag),
    );
    expect(written.status).toBe(201);
    // Fence before the answer, settle after it (the deferred settle may or may not have landed yet).
    const afterWrite = await countedRoundTrips(tag);
    expect(afterWrite.db).toBe(1);
    expect([1, 2]).toContain(afterWrite.redis);
  });

  it("a cold read: 1 database round trip, Redis in parallel (READ), its fill after the answer", async () => {
    const who = await account();
    await createLog(who.accessToken, { calories: 300 });
    await warmAll(who); // this isolate has checked the epoch: what follows is the steady state
    await createLog(who.accessToken, { calories: 20 });
    const tag = roundTripTags();
    const res = await send({ path: CACHED_READS.stats, token: who.accessToken }, taggedBindings(tag));
    expect(res.status).toBe(200);
    const cold = await countedRoundTrips(tag);
    expect(cold.db).toBe(1);
    expect([1, 2]).toContain(cold.redis);
  });

  it("the first read of a new isolate reads the database epoch in the value's own batch: 1 round trip", async () => {
    const who = await account();
    await createLog(who.accessToken, { calories: 300 });
    await warmAll(who);
    recycleIsolate();
    const tag = roundTripTags();
    const res = await send({ path: CACHED_READS.stats, token: who.accessToken }, taggedBindings(tag));
    expect(res.status).toBe(200);
    expect((await countedRoundTrips(tag)).db).toBe(1);
  });

  it("the badge catalog with the caller's badges: cold 1 database, 1 Redis; warm 0 database, 1 Redis", async () => {
    const who = await account();
    await createLog(who.accessToken, { calories: 300 });
    await warmAll(who);
    // The catalog is shared and cached for an hour once anyone has read it: read it here, so this
    // test does not depend on another file having done so (alone, on an empty Redis, it was 2 DB).
    await eventually(async () => {
      expect((await send({ path: "/v1/badges", token: who.accessToken })).status).toBe(200);
      expect(await redisCommand("EXISTS", "badges:catalog")).toBe(1);
    });
    await createLog(who.accessToken, { calories: 20 }); // the caller's badges are re-read: a miss
    const cold = roundTripTags();
    expect((await send({ path: "/v1/badges", token: who.accessToken }, taggedBindings(cold))).status).toBe(
      200,
    );
    const coldCount = await countedRoundTrips(cold);
    expect(coldCount.db).toBe(1);
    expect([1, 2]).toContain(coldCount.redis); // READ with the catalog, then the fill after the answer
    await eventually(async () => {
      const warm = roundTripTags();
      expect((await send({ path: "/v1/badges", token: who.accessToken }, taggedBindings(warm))).status).toBe(
        200,
      );
      expect(await countedRoundTrips(warm)).toEqual({ db: 0, redis: 1 });
    });
  });
});
