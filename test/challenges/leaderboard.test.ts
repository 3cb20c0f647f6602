import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type Board,
  boardExists,
  boardOrder,
  createChallenge,
  deleteBoard,
  join,
  leaderboardOf,
  leaderboardRaw,
  leave,
  logToday,
  newPlayer,
} from "../helpers/challenges";
import { captureConsole, outageLines } from "../helpers/console";
import { onDay } from "../helpers/dates";
import { unknownId } from "../helpers/db";
import { callJson, expectProblem } from "../helpers/http";
import { REDIS_DOWN, redisBackUp } from "../helpers/redis";
import type { Account } from "../helpers/users";
import { awayFromMidnight, eventually, sleep } from "../helpers/wait";

// The embedded in-memory Redis never serves boards: the tests of boards served from Redis prove
// nothing on the embedded stack (they pass there trivially); they bite against REDIS_URL.

type Players = Record<"a" | "b" | "c" | "d" | "e", Account>;

/** Logs one meal on each of `days` (offsets from today). */
async function logDays(player: Account, days: number[]) {
  for (const day of days) await logToday(player.accessToken, { eatenAt: onDay(day) });
}

/**
 * A log_days (target 3) challenge with five players who joined in the order a, b, c, d, e:
 * a completes first, c completes later, b and d reach 2 (tie: b joined first), e has nothing.
 * Expected ranking: a, c, b, d, e.
 */
async function rankedChallenge() {
  const players = {} as Players;
  for (const name of ["a", "b", "c", "d", "e"] as const) {
    players[name] = await newPlayer({ displayName: `Player ${name.toUpperCase()}` });
  }
  const challenge = await createChallenge(players.a.accessToken, { rule: { type: "log_days", target: 3 } });
  for (const name of ["a", "b", "c", "d", "e"] as const) await join(players[name].accessToken, challenge.id);
  await logDays(players.a, [-3, -2, -1]);
  await logDays(players.b, [-2, -1]);
  await logDays(players.c, [-3, -2]);
  await logDays(players.d, [-2, -1]);
  await logDays(players.c, [-1]);
  const expected = ["a", "c", "b", "d", "e"].map((name) => players[name as keyof Players].user.id);
  return { players, challenge, expected };
}

/** The checks every reading of the ranked challenge must pass, wherever the board came from. */
function expectRanked(board: Board, players: Players, expected: string[]) {
  expect(boardOrder(board)).toEqual(expected);
  expect(board.items.map((item) => item.rank)).toEqual([1, 2, 3, 4, 5]);
  expect(board.items.map((item) => item.current)).toEqual([3, 3, 2, 2, 0]);
  const [first, second, ...rest] = board.items;
  expect(first!.completedAt).toEqual(expect.any(String));
  expect(second!.completedAt).toEqual(expect.any(String));
  expect(Date.parse(first!.completedAt!)).toBeLessThan(Date.parse(second!.completedAt!));
  for (const item of rest) expect(item.completedAt).toBeNull();
  expect(board.items[0]!.user.displayName).toBe(players.a.user.displayName);
}

/** Waits until the Worker has rebuilt the board in Redis after a database read. */
async function warm(token: string, challengeId: string) {
  await leaderboardOf(token, challengeId);
  await eventually(async () => expect(await boardExists(challengeId)).toBe(true));
}

describe("leaderboard", () => {
  beforeEach(() => awayFromMidnight());

  it("ranks completed first (earlier first), then current, then join time; `me` even outside the top", async () => {
    const { players, challenge, expected } = await rankedChallenge();
    const outsider = await newPlayer();

    // Cold (from PostgreSQL), then warm (from Redis): the same answers.
    for (const source of ["database", "redis"]) {
      if (source === "redis")
        await eventually(async () => expect(await boardExists(challenge.id)).toBe(true));
      const full = await leaderboardOf(players.b.accessToken, challenge.id);
      expectRanked(full, players, expected);
      expect(full.me).toEqual({ rank: 3, current: 2, completedAt: null });

      const top1 = await leaderboardOf(players.e.accessToken, challenge.id, 1);
      expect(boardOrder(top1)).toEqual([players.a.user.id]);
      expect(top1.me).toEqual({ rank: 5, current: 0, completedAt: null });

      const leader = await leaderboardOf(players.a.accessToken, challenge.id, 2);
      expect(boardOrder(leader)).toEqual(expected.slice(0, 2));
      expect(leader.me).toEqual({ rank: 1, current: 3, completedAt: full.items[0]!.completedAt });

      const stranger = await leaderboardOf(outsider.accessToken, challenge.id);
      expect(boardOrder(stranger)).toEqual(expected);
      expect(stranger.me).toBeNull();
    }
  });

  it("entries show only rank, the user's id and display name, current and completedAt", async () => {
    const { players, challenge } = await rankedChallenge();
    const { body } = await callJson(`/v1/challenges/${challenge.id}/leaderboard`, {
      token: players.b.accessToken,
    });
    expect(Object.keys(body).sort()).toEqual(["items", "me"]);
    for (const item of body.items) {
      expect(Object.keys(item).sort()).toEqual(["completedAt", "current", "rank", "user"]);
      expect(Object.keys(item.user).sort()).toEqual(["displayName", "id"]);
    }
    expect(Object.keys(body.me).sort()).toEqual(["completedAt", "current", "rank"]);
    const text = JSON.stringify(body);
    for (const player of Object.values(players)) expect(text).not.toContain(player.email);
  });

  it("moves players after writes (polling: the board is updated after the response)", async () => {
    const { players, challenge, expected } = await rankedChallenge();
    await warm(players.a.accessToken, challenge.id);

    // d completes: third, ahead of b.
    await logDays(players.d, [-3]);
    const [a, c, b, d, e] = expected;
    await eventually(async () =>
      expect(boardOrder(await leaderboardOf(players.a.accessToken, challenge.id))).toEqual([a, c, d, b, e]),
    );
    // e moves above nobody with 1, then leaves the board.
    await logDays(players.e, [-1]);
    await eventually(async () => {
      const board = await leaderboardOf(players.e.accessToken, challenge.id);
      expect(board.me).toEqual({ rank: 5, current: 1, completedAt: null });
    });
    expect((await leave(players.e.accessToken, challenge.id)).status).toBe(204);
    await eventually(async () => {
      const board = await leaderboardOf(players.e.accessToken, challenge.id);
      expect(boardOrder(board)).toEqual([a, c, d, b]);
      expect(board.me).toBeNull();
    });
    // b loses a day: still behind d (d completed), 1 now.
    const { body: logs } = await callJson("/v1/logs?limit=100", { token: players.b.accessToken });
    expect(
      (await callJson(`/v1/logs/${logs.items[0].id}`, { method: "DELETE", token: players.b.accessToken }))
        .status,
    ).toBe(204);
    await eventually(async () => {
      const board = await leaderboardOf(players.b.accessToken, challenge.id);
      expect(board.me).toEqual({ rank: 4, current: 1, completedAt: null });
    });

    // The database agrees: the board rebuilt from it ranks the same.
    const warmBoard = await leaderboardOf(players.a.accessToken, challenge.id);
    await deleteBoard(challenge.id);
    expect(await leaderboardOf(players.a.accessToken, challenge.id)).toEqual(warmBoard);
  });

  it("ties on current are ordered by join time (joins a second apart, in reverse signup order)", async () => {
    const x = await newPlayer({ displayName: "X" });
    const y = await newPlayer({ displayName: "Y" });
    const z = await newPlayer({ displayName: "Z" });
    const challenge = await createChallenge(x.accessToken, { rule: { type: "meal_count", target: 5 } });
    for (const player of [z, y, x]) {
      await join(player.accessToken, challenge.id);
      await sleep(1100);
    }
    for (const player of [x, y, z]) await logToday(player.accessToken);
    const expected = [z, y, x].map((player) => player.user.id);
    expect(boardOrder(await leaderboardOf(x.accessToken, challenge.id))).toEqual(expected);
    await eventually(async () => expect(await boardExists(challenge.id)).toBe(true));
    expect(boardOrder(await leaderboardOf(x.accessToken, challenge.id))).toEqual(expected);
  });

  // A fixed bug, kept as a regression test (src/services/leaderboard-store.ts leaderboardScore): the
  // Redis score keeps the join time in whole seconds, so players who tie on `current` and joined within
  // the same second get equal scores and Redis orders them by user id (signup order), while the
  // database (and API.md) orders them by join time. Only the board served from Redis is wrong; the
  // in-memory Redis of the embedded stack never serves boards (see the report), so there the test
  // passes.
  it("ties on current are ordered by join time, also for joins within the same second", async () => {
    const x = await newPlayer({ displayName: "X" });
    const y = await newPlayer({ displayName: "Y" });
    const z = await newPlayer({ displayName: "Z" });
    // Ids are time-ordered: x < y < z. They join in the opposite order, quickly.
    expect([x.user.id, y.user.id, z.user.id]).toEqual([x.user.id, y.user.id, z.user.id].sort());
    let challengeId = "";
    for (let attempt = 0; attempt < 3 && !challengeId; attempt++) {
      const challenge = await createChallenge(x.accessToken, { rule: { type: "meal_count", target: 5 } });
      await sleep(1000 - (Date.now() % 1000) + 5); // the start of a second
      for (const player of [z, y, x]) await join(player.accessToken, challenge.id);
      const joinedAt = await Promise.all(
        [z, y, x].map(async (player) => {
          const { body } = await callJson("/v1/users/me/export", { token: player.accessToken });
          return body.challengesJoined.find((entry: any) => entry.challengeId === challenge.id)
            .joinedAt as string;
        }),
      );
      const seconds = new Set(joinedAt.map((at) => Math.floor(Date.parse(at) / 1000)));
      if (seconds.size === 1) challengeId = challenge.id;
      else for (const player of [z, y, x]) await leave(player.accessToken, challenge.id);
    }
    expect(challengeId, "could not make three joins within one second").not.toBe("");
    const expected = [z, y, x].map((player) => player.user.id);
    expect(boardOrder(await leaderboardOf(x.accessToken, challengeId)), "from the database").toEqual(
      expected,
    );
    await eventually(async () => expect(await boardExists(challengeId)).toBe(true));
    const fromRedis = await leaderboardOf(x.accessToken, challengeId);
    expect(boardOrder(fromRedis), "from Redis").toEqual(expected);
    expect((await leaderboardOf(z.accessToken, challengeId)).me?.rank).toBe(1);
  });

  describe("with Redis down", () => {
    let warnings: ReturnType<typeof captureConsole>;
    let anyToken = "";
    beforeEach(() => {
      warnings = captureConsole();
    });
    afterEach(async () => {
      warnings.restore();
      if (anyToken) await redisBackUp();
    });

    it("computes the same ranking from PostgreSQL, warns once (no error); the board is right again once Redis is back", async () => {
      const { players, challenge, expected } = await rankedChallenge();
      anyToken = players.a.accessToken;
      await redisBackUp();
      await warm(players.a.accessToken, challenge.id);
      // Let the deferred work of earlier requests settle: a Redis call of theirs that succeeds in the
      // middle of the outage below would mark Redis "up" again (and the next failure warn anew).
      await sleep(300);
      const before = outageLines(warnings.lines()).length;

      const down = await callJson<Board>(`/v1/challenges/${challenge.id}/leaderboard`, {
        bindings: REDIS_DOWN,
        token: players.b.accessToken,
      });
      expect(down.status).toBe(200);
      expectRanked(down.body, players, expected);
      expect(down.body.me).toEqual({ rank: 3, current: 2, completedAt: null });
      const limited = await callJson<Board>(`/v1/challenges/${challenge.id}/leaderboard?limit=1`, {
        bindings: REDIS_DOWN,
        token: players.e.accessToken,
      });
      expect(boardOrder(limited.body)).toEqual(expected.slice(0, 1));
      expect(limited.body.me).toEqual({ rank: 5, current: 0, completedAt: null });
      await sleep(50); // let the deferred (failing) rebuild run
      expect(outageLines(warnings.lines()).length - before).toBe(1);

      // Redis back: the board it serves is the same.
      await redisBackUp();
      const back = await leaderboardOf(players.b.accessToken, challenge.id);
      expect(back).toEqual(down.body);

      // A rebuild (the keys gone) ranks the same, from the database and then from Redis again.
      await deleteBoard(challenge.id);
      expect(await leaderboardOf(players.b.accessToken, challenge.id)).toEqual(down.body);
      await eventually(async () => expect(await boardExists(challenge.id)).toBe(true));
      expect(await leaderboardOf(players.b.accessToken, challenge.id)).toEqual(down.body);
    });

    it("join, log, progress and badges all answer correctly from PostgreSQL", async () => {
      const u = await newPlayer();
      anyToken = u.accessToken;
      const challenge = await createChallenge(u.accessToken, { rule: { type: "log_days", target: 2 } });
      await logToday(u.accessToken, { eatenAt: onDay(-2) });
      const joined = await callJson(`/v1/challenges/${challenge.id}/join`, {
        bindings: REDIS_DOWN,
        method: "POST",
        token: u.accessToken,
      });
      expect(joined.status).toBe(201);
      expect(joined.body).toEqual({
        progress: { current: 1, target: 2, completed: false, completedAt: null },
      });
      const write = await callJson("/v1/logs", {
        bindings: REDIS_DOWN,
        token: u.accessToken,
        body: { mealType: "dinner", eatenAt: onDay(-1), title: "Offline dinner" },
      });
      expect(write.status).toBe(201);
      expect(write.body.events.map((event: { type: string }) => event.type)).toEqual([
        "challenge_progress",
        "challenge_completed",
        "badge_awarded",
      ]);
      const progress = await callJson(`/v1/challenges/${challenge.id}/progress`, {
        bindings: REDIS_DOWN,
        token: u.accessToken,
      });
      expect(progress.body).toMatchObject({ current: 2, completed: true });
      const board = await callJson<Board>(`/v1/challenges/${challenge.id}/leaderboard`, {
        bindings: REDIS_DOWN,
        token: u.accessToken,
      });
      expect(board.body.me).toMatchObject({ rank: 1, current: 2, completedAt: progress.body.completedAt });
      const badges = await callJson("/v1/badges", { bindings: REDIS_DOWN, token: u.accessToken });
      expect(badges.status).toBe(200);
      expect(badges.body.items.filter((badge: any) => badge.earned).map((badge: any) => badge.code)).toEqual([
        "first_log",
        "first_challenge",
      ]);
      const mine = await callJson("/v1/users/me/badges", { bindings: REDIS_DOWN, token: u.accessToken });
      expect(mine.body.items.map((badge: any) => badge.code)).toEqual(["first_log", "first_challenge"]);
      expect(outageLines(warnings.lines()).length).toBeGreaterThanOrEqual(1);
    });

    // A fixed bug, kept as a regression test (src/services/leaderboard.ts updateLeaderboards /
    // readLeaderboard): a log write made while Redis is unreachable commits to PostgreSQL but its board
    // update is dropped (cache.attempt swallows the failure); the board that was in Redis before the
    // outage is still there afterwards (TTL 1 h) and is served as is, so the player who progressed
    // during the outage keeps the old rank until the key expires. Nothing marks the board stale when
    // Redis comes back.
    it("progress written while Redis is down shows on the board once Redis is back", async () => {
      const { players, challenge, expected } = await rankedChallenge();
      anyToken = players.a.accessToken;
      await redisBackUp();
      await warm(players.a.accessToken, challenge.id);

      // e completes while Redis is down: the write succeeds (PostgreSQL is the source of truth).
      for (const day of [-3, -2, -1]) {
        const write = await callJson("/v1/logs", {
          bindings: REDIS_DOWN,
          token: players.e.accessToken,
          body: { mealType: "lunch", eatenAt: onDay(day), title: "Offline lunch" },
        });
        expect(write.status).toBe(201);
      }
      const [a, c, b, d, e] = expected;
      const down = await callJson<Board>(`/v1/challenges/${challenge.id}/leaderboard`, {
        bindings: REDIS_DOWN,
        token: players.e.accessToken,
      });
      expect(boardOrder(down.body)).toEqual([a, c, e, b, d]);
      expect(down.body.me).toMatchObject({ rank: 3, current: 3 });

      await redisBackUp();
      await eventually(async () => {
        const board = await leaderboardOf(players.e.accessToken, challenge.id);
        expect(boardOrder(board)).toEqual([a, c, e, b, d]);
        expect(board.me).toMatchObject({ rank: 3, current: 3 });
      });
    });
  });

  // A fixed bug, kept as a regression test (src/services/leaderboard.ts UPSERT / src/services/users.ts
  // updateMe): the board keeps each player's display name in Redis (`lb:<id>:names`), written at join
  // or rebuild only; a rename through PATCH /v1/users/me is not propagated, so a board served from
  // Redis shows the old name until the board expires (1 h) or is rebuilt. (One player: the embedded
  // Redis serves it too.)
  it("a renamed player shows under the new name on a board already in Redis", async () => {
    const u = await newPlayer({ displayName: "Old Name" });
    const challenge = await createChallenge(u.accessToken);
    await join(u.accessToken, challenge.id);
    await warm(u.accessToken, challenge.id);
    expect((await leaderboardOf(u.accessToken, challenge.id)).items[0]!.user.displayName).toBe("Old Name");
    await callJson("/v1/users/me", {
      method: "PATCH",
      token: u.accessToken,
      body: { displayName: "New Name" },
    });
    await logToday(u.accessToken, { eatenAt: onDay(-1) }); // a write that moves the player, too
    await eventually(async () => {
      const board = await leaderboardOf(u.accessToken, challenge.id);
      expect(board.items[0]).toMatchObject({ current: 1, user: { id: u.user.id, displayName: "New Name" } });
    });
  });

  it("unknown challenge 404; limit outside 1..100 is 400", async () => {
    const u = await newPlayer();
    await expectProblem((await leaderboardRaw(u.accessToken, unknownId())).response, 404);
    await expectProblem((await leaderboardRaw(u.accessToken, "nope")).response, 404);
    const challenge = await createChallenge(u.accessToken);
    await expectProblem((await leaderboardRaw(u.accessToken, challenge.id, 0)).response, 400);
    await expectProblem((await leaderboardRaw(u.accessToken, challenge.id, 101)).response, 400);
    await expectProblem(
      (await callJson(`/v1/challenges/${challenge.id}/leaderboard?limit=x`, { token: u.accessToken }))
        .response,
      400,
    );
    // An empty board.
    expect(await leaderboardOf(u.accessToken, challenge.id)).toEqual({ items: [], me: null });
  });
});
