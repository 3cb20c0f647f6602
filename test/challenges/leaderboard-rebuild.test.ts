import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { neon } from "@neondatabase/serverless";
import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { beforeEach, describe, expect, it } from "vitest";
import { backgroundServices } from "../../src/background";
import type { Bindings } from "../../src/config";
import { rebuildBoard } from "../../src/services/leaderboard-rebuild";
import { myRankSql, REBUILD_PAGE_ROWS, topSql } from "../../src/services/ranking";
import {
  boardExists,
  createChallenge,
  databaseOrder,
  deleteBoard,
  join,
  leaderboardOf,
  newPlayer,
} from "../helpers/challenges";
import { sql } from "../helpers/db";
import { generateParticipants, generateUsers } from "../helpers/generate";
import { embeddedRedis, upstash } from "../helpers/redis";
import { awayFromMidnight, eventually } from "../helpers/wait";

// More than two rebuild pages against real services; more than one on the embedded stack (PGlite
// is single-threaded WASM, and a rebuild left running there would slow the suites after this one).
const PLAYERS = embeddedRedis ? 2_500 : 4_500;

/** An open challenge with PLAYERS generated participants and one real, signed-in player. */
async function crowdedChallenge() {
  const player = await newPlayer({ displayName: "Real Player" });
  const challenge = await createChallenge(player.accessToken, { rule: { type: "log_days", target: 50 } });
  const ids = await generateUsers(PLAYERS, "crowd");
  await generateParticipants(challenge.id, ids, { completeEvery: 10, target: 50 });
  await join(player.accessToken, challenge.id);
  return { player, challenge };
}

async function rebuildNow(challengeId: string) {
  const ctx = createExecutionContext();
  const loaded = await rebuildBoard(backgroundServices(env as unknown as Bindings, ctx, {}), challengeId);
  await waitOnExecutionContext(ctx);
  return loaded;
}

type PlanNode = { "Node Type": string; "Relation Name"?: string; "Index Name"?: string; Plans?: PlanNode[] };
type BufferCounts = { "Shared Hit Blocks": number; "Shared Read Blocks": number };

/**
 * Every node of the plan of `query` (the very SQL the Worker sends) with sequential scans and sorts
 * priced out: what remains shows whether an index can serve it at all (if not, they stay in the
 * plan). On a small table a scan and a sort are rightly cheaper, so the planner's free choice would
 * prove nothing either way; at 100,000 players it picks the index by itself (README).
 */
async function planOf(query: SQL) {
  const { sql: text, params } = new PgDialect().sqlToQuery(query);
  await sql("select 1"); // points the driver at the local Neon endpoint
  const client = neon((env as unknown as { DATABASE_URL: string }).DATABASE_URL);
  const [, , explained] = (await client.transaction([
    client.query("set local enable_seqscan = off"),
    client.query("set local enable_sort = off"),
    client.query(`explain (format json) ${text}`, params),
  ])) as [unknown, unknown, { "QUERY PLAN": [{ Plan: PlanNode }] }[]];
  const nodes: PlanNode[] = [];
  const walk = (node: PlanNode) => {
    nodes.push(node);
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(explained[0]!["QUERY PLAN"][0].Plan);
  return nodes;
}

describe("leaderboards of thousands of players", () => {
  beforeEach(() => awayFromMidnight());

  it("the database reads the top and my rank by index: no sort, no scan of the challenge's participants", async () => {
    const { player, challenge } = await crowdedChallenge();
    for (const query of [topSql(challenge.id, 100), myRankSql(challenge.id, player.user.id)]) {
      const nodes = await planOf(query);
      expect(nodes.map((node) => node["Node Type"])).not.toContain("Sort");
      const participants = nodes.filter((node) => node["Relation Name"] === "challenge_participants");
      expect(participants.length).toBeGreaterThan(0);
      for (const node of participants) expect(node["Node Type"]).not.toBe("Seq Scan");
      expect(nodes.map((node) => node["Index Name"])).toContain("challenge_participants_rank_idx");
    }
  });

  it("my rank reads a few index pages, not the players ahead of me", async () => {
    const { player, challenge } = await crowdedChallenge();
    const { sql: text, params } = new PgDialect().sqlToQuery(myRankSql(challenge.id, player.user.id));
    const [explained] = await sql<{ "QUERY PLAN": [{ Plan: PlanNode & BufferCounts }] }>(
      `explain (analyze, buffers, format json) ${text}`,
      params,
    );
    const pages = (node: PlanNode & BufferCounts): number =>
      (node["Index Name"] === "challenge_participants_rank_idx"
        ? node["Shared Hit Blocks"] + node["Shared Read Blocks"]
        : 0) + (node.Plans ?? []).reduce((sum, child) => sum + pages(child as PlanNode & BufferCounts), 0);
    // Thousands of players rank ahead (an index range over them is dozens of pages); the players of
    // the caller's minute are a handful.
    expect(pages(explained!["QUERY PLAN"][0].Plan)).toBeLessThan(10);
  });

  it("a cold read answers the top and my rank from the database; the rebuild in pages gives Redis the same board", async () => {
    expect(PLAYERS).toBeGreaterThan(REBUILD_PAGE_ROWS);
    const { player, challenge } = await crowdedChallenge();
    const order = await databaseOrder(challenge.id);
    const myRank = order.indexOf(player.user.id) + 1;
    expect(myRank).toBeGreaterThan(100);

    const cold = await leaderboardOf(player.accessToken, challenge.id, 100);
    expect(cold.items.map((item) => item.user.id)).toEqual(order.slice(0, 100));
    expect(cold.items.map((item) => item.rank)).toEqual(order.slice(0, 100).map((_, i) => i + 1));
    expect(cold.me).toEqual({ rank: myRank, current: 0, completedAt: null });

    if (embeddedRedis) return; // the in-memory Redis of the embedded stack does not serve boards
    await eventually(async () => expect(await boardExists(challenge.id)).toBe(true), 10_000);
    const redis = upstash();
    expect(await redis.zrange(`lb:${challenge.id}`, 0, -1)).toEqual(order);
    expect(await redis.hlen(`lb:${challenge.id}:entries`)).toBe(PLAYERS + 1);
    expect(await redis.hlen(`lb:${challenge.id}:names`)).toBe(PLAYERS + 1);
    expect(await redis.exists(`lb:${challenge.id}:next`, `lb:${challenge.id}:rebuilding`)).toBe(0);
    // Warm: the same answers, from Redis.
    expect(await leaderboardOf(player.accessToken, challenge.id, 100)).toEqual(cold);
  });

  it("a rebuild replaces the board only when complete, and one runs at a time", async () => {
    if (embeddedRedis) return;
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
