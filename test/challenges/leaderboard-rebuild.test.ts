import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { backgroundServices } from "../../src/background";
import type { Bindings } from "../../src/config";
import { rebuildBoard } from "../../src/services/leaderboard-rebuild";
import { REBUILD_PAGE_ROWS } from "../../src/services/ranking";
import { generateParticipants, generateUsers } from "../helpers/generate";
import {
  awayFromMidnight,
  boardExists,
  createChallenge,
  deleteBoard,
  embeddedRedis,
  eventually,
  join,
  leaderboardOf,
  newUser,
  sql,
  upstash,
} from "./support";

const PLAYERS = 4_500; // more than two rebuild pages

/** An open challenge with PLAYERS generated participants and one real, signed-in player. */
async function crowdedChallenge() {
  const player = await newUser({ displayName: "Real Player" });
  const challenge = await createChallenge(player.accessToken, { rule: { type: "log_days", target: 50 } });
  const ids = await generateUsers(PLAYERS, "crowd");
  await generateParticipants(challenge.id, ids, { completeEvery: 10, target: 50 });
  await join(player.accessToken, challenge.id);
  return { player, challenge };
}

/** The whole ranking, computed by PostgreSQL in one window (what every board must agree with). */
const databaseOrder = async (challengeId: string) =>
  (
    await sql<{ user_id: string }>(
      `select user_id from challenge_participants where challenge_id = $1
       order by completed_at asc nulls last, current desc, joined_at, user_id`,
      [challengeId],
    )
  ).map((row) => row.user_id);

async function rebuildNow(challengeId: string) {
  const ctx = createExecutionContext();
  const loaded = await rebuildBoard(backgroundServices(env as unknown as Bindings, ctx, {}), challengeId);
  await waitOnExecutionContext(ctx);
  return loaded;
}

describe("leaderboards of thousands of players", () => {
  beforeEach(() => awayFromMidnight());

  it("a cold read answers the top and my rank from the database; the rebuild in pages gives Redis the same board", async () => {
    expect(PLAYERS).toBeGreaterThan(2 * REBUILD_PAGE_ROWS);
    const { player, challenge } = await crowdedChallenge();
    const order = await databaseOrder(challenge.id);
    const myRank = order.indexOf(player.user.id) + 1;
    expect(myRank).toBeGreaterThan(100);

    const cold = await leaderboardOf(player.accessToken, challenge.id, 100);
    expect(cold.items.map((item) => item.user.id)).toEqual(order.slice(0, 100));
    expect(cold.items.map((item) => item.rank)).toEqual(order.slice(0, 100).map((_, i) => i + 1));
    expect(cold.me).toEqual({ rank: myRank, current: 0, completedAt: null });

    if (embeddedRedis()) return; // the in-memory Redis of the embedded stack does not serve boards
    await eventually(async () => expect(await boardExists(challenge.id)).toBe(true), { timeoutMs: 10_000 });
    const redis = upstash();
    expect(await redis.zrange(`lb:${challenge.id}`, 0, -1)).toEqual(order);
    expect(await redis.hlen(`lb:${challenge.id}:entries`)).toBe(PLAYERS + 1);
    expect(await redis.hlen(`lb:${challenge.id}:names`)).toBe(PLAYERS + 1);
    expect(await redis.exists(`lb:${challenge.id}:next`, `lb:${challenge.id}:rebuilding`)).toBe(0);
    // Warm: the same answers, from Redis.
    expect(await leaderboardOf(player.accessToken, challenge.id, 100)).toEqual(cold);
  });

  it("a rebuild replaces the board only when complete, and one runs at a time", async () => {
    if (embeddedRedis()) return;
    const { player, challenge } = await crowdedChallenge();
    await deleteBoard(challenge.id);
    const [first, second] = await Promise.all([rebuildNow(challenge.id), rebuildNow(challenge.id)]);
    // One of the two held the lock and loaded every player; the other left it alone.
    expect([first, second].sort()).toEqual([PLAYERS + 1, undefined]);
    expect(await upstash().zrange(`lb:${challenge.id}`, 0, -1)).toEqual(await databaseOrder(challenge.id));
    // A rebuild over a live board swaps in the new one whole: readers never see a partial board.
    expect(await rebuildNow(challenge.id)).toBe(PLAYERS + 1);
    const board = await leaderboardOf(player.accessToken, challenge.id, 3);
    expect(board.items.map((item) => item.rank)).toEqual([1, 2, 3]);
  });
});
