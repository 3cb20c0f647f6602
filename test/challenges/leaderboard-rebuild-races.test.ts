import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { backgroundServices } from "../../src/background";
import type { Bindings } from "../../src/config";
import { rebuildBoard } from "../../src/services/leaderboard-rebuild";
import {
  createChallenge,
  databaseOrder,
  deleteBoard,
  join,
  leaderboardOf,
  leave,
  newPlayer,
} from "../helpers/challenges";
import { logMeal } from "../helpers/logs";
import { embeddedRedis, upstash } from "../helpers/redis";
import { updateProfile } from "../helpers/users";
import { awayFromMidnight, eventually } from "../helpers/wait";

/**
 * A rebuild whose database holds its first answer (the first page the rebuild read) until the test
 * releases it: what players do in between happens after the page was read and before it is loaded
 * into Redis, the window in which a write's change to the board could be lost to the rebuild.
 */
function rebuildHeldAfterFirstPage(challengeId: string) {
  const ctx = createExecutionContext();
  const services = backgroundServices(env as unknown as Bindings, ctx, {});
  let pageRead!: () => void;
  const read = new Promise<void>((resolve) => {
    pageRead = resolve;
  });
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let held = false;
  const db = new Proxy(services.db, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== "execute") return value;
      return async (...args: unknown[]) => {
        const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (!held) {
          held = true;
          pageRead();
          await released;
        }
        return result;
      };
    },
  });
  const done = rebuildBoard({ db, cache: services.cache }, challengeId).then(async (loaded) => {
    await waitOnExecutionContext(ctx);
    return loaded;
  });
  return { read, release, done };
}

describe("a rebuild and the writes during it", () => {
  beforeEach(() => awayFromMidnight());

  it("keeps progress, leaves, renames and joins that land between a page's read and its load", async () => {
    if (embeddedRedis) return; // the in-memory Redis of the embedded stack does not serve boards
    const creator = await newPlayer({ displayName: "Creator" });
    const challenge = await createChallenge(creator.accessToken, { rule: { type: "log_days", target: 5 } });
    const [logger, leaver, renamer, latecomer] = await Promise.all(
      ["Logger", "Leaver", "Renamer", "Latecomer"].map((displayName) => newPlayer({ displayName })),
    );
    for (const player of [logger, leaver, renamer]) await join(player!.accessToken, challenge.id);
    await deleteBoard(challenge.id);

    const rebuild = rebuildHeldAfterFirstPage(challenge.id);
    await rebuild.read;
    // After the page was read: one player moves, one leaves, one is renamed, one joins.
    const [logged] = await Promise.all([
      logMeal(logger!.accessToken),
      leave(leaver!.accessToken, challenge.id),
      updateProfile(renamer!.accessToken, { displayName: "Renamed" }),
      join(latecomer!.accessToken, challenge.id),
    ]);
    expect(logged.events.some((event) => event.type === "challenge_progress")).toBe(true);
    // Their board changes run after their responses: wait until each has reached the board being built.
    const redis = upstash();
    const board = `lb:${challenge.id}`;
    await eventually(async () => {
      // (The Upstash client parses the stored JSON entry.)
      expect(await redis.hget(`${board}:entries:next`, logger!.user.id)).toMatchObject({ current: 1 });
      expect(await redis.sismember(`${board}:left`, leaver!.user.id)).toBe(1);
      expect(await redis.hget(`${board}:names:next`, renamer!.user.id)).toBe("Renamed");
      expect(await redis.hexists(`${board}:names:next`, latecomer!.user.id)).toBe(1);
    }, 10_000);

    rebuild.release();
    expect(await rebuild.done).toBeGreaterThan(0);

    // The board swapped in is the database's, with every change made during the rebuild.
    const order = await databaseOrder(challenge.id);
    expect(order).not.toContain(leaver!.user.id);
    expect(order).toContain(latecomer!.user.id);
    expect(await redis.zrange(board, 0, -1)).toEqual(order);
    expect(await redis.hexists(`${board}:entries`, leaver!.user.id)).toBe(0);
    expect(await redis.exists(`${board}:rebuilding`, `${board}:left`, `${board}:next`)).toBe(0);
    const shownBoard = await leaderboardOf(creator.accessToken, challenge.id);
    const shown = Object.fromEntries(shownBoard.items.map((item) => [item.user.id, item]));
    expect(shown[logger!.user.id]).toMatchObject({ rank: 1, current: 1 });
    expect(shown[renamer!.user.id]?.user.displayName).toBe("Renamed");
    expect(shown[leaver!.user.id]).toBeUndefined();
    expect(shownBoard.items.map((item) => item.user.id)).toEqual(order);
  });
});
