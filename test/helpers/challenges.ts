import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import { expect } from "vitest";
import worker from "../../src/index";
import type { Challenge, Progress } from "../../src/routes/challenges/challenges.schemas";
import { DAYS, fromNow, onDay } from "./dates";
import { sql } from "./db";
import { callJson } from "./http";
import { type LogWrite, logMeal, type WriteEvent } from "./logs";
import { upstash } from "./redis";
import { type Account, newUser } from "./users";

/**
 * Challenges, leaderboards, badges and the cron through the API. The database is shared with every
 * other suite (and the cron acts globally), so tests only ever assert on what they created themselves.
 */

// The API's own types: a change of shape breaks these suites at compile time too.
export type { Challenge, Progress, Rule } from "../../src/routes/challenges/challenges.schemas";

/** The four official challenges seeded by drizzle/0005_gamification_engine.sql. */
export const OFFICIAL = {
  weekStreak: "01936f00-0000-7000-8000-000000000001",
  veggieFive: "01936f00-0000-7000-8000-000000000002",
  breakfastClub: "01936f00-0000-7000-8000-000000000003",
  lightDays: "01936f00-0000-7000-8000-000000000004",
} as const;

/** Every badge the migration seeds, in catalog order. */
export const BADGE_CODES = [
  "first_log",
  "streak_3",
  "streak_7",
  "streak_30",
  "logs_100",
  "first_challenge",
  "challenges_5",
  "challenge_week_streak",
  "challenge_veggie_five",
  "challenge_breakfast_club",
  "challenge_light_days",
] as const;

export type Board = {
  items: {
    rank: number;
    user: { id: string; displayName: string };
    current: number;
    completedAt: string | null;
  }[];
  me: { rank: number; current: number; completedAt: string | null } | null;
};

/** A fresh player in a zone (UTC unless told: local days are then UTC dates). */
export function newPlayer(options: { timezone?: string; displayName?: string } = {}): Promise<Account> {
  return newUser({ timezone: options.timezone ?? "UTC", displayName: options.displayName ?? "Player" });
}

/** Logs a meal at noon UTC today (unless overridden) and insists on 201. */
export const logToday = (token: string, overrides: Record<string, unknown> = {}): Promise<LogWrite> =>
  logMeal(token, { eatenAt: onDay(0), title: "Bibimbap", ...overrides });

/** The events of one type in a write's reply (`challengeId` narrows challenge events). */
export function eventsOf(events: WriteEvent[], type: string, challengeId?: string) {
  return events.filter(
    (event) => event.type === type && (challengeId === undefined || event.challengeId === challengeId),
  );
}

export const badgeEvents = (events: WriteEvent[], code: string) =>
  events.filter((event) => event.type === "badge_awarded" && event.badge?.code === code);

// ---- challenges ---------------------------------------------------------------------------------

/** A valid create body: an active fixed window (started 10 days ago, ends in 5 days), 3 log days. */
export function challengeBody(overrides: Record<string, unknown> = {}) {
  return {
    title: `Challenge ${crypto.randomUUID().slice(0, 8)}`,
    description: "A test challenge",
    rule: { type: "log_days", target: 3 },
    startsAt: fromNow(-10 * DAYS),
    endsAt: fromNow(5 * DAYS),
    ...overrides,
  };
}

export const postChallenge = (token: string, body: unknown) =>
  callJson<Challenge>("/v1/challenges", { method: "POST", token, body });

/** Creates a challenge (challengeBody + overrides) and insists on 201. */
export async function createChallenge(
  token: string,
  overrides: Record<string, unknown> = {},
): Promise<Challenge> {
  const { status, body } = await postChallenge(token, challengeBody(overrides));
  if (status !== 201) throw new Error(`createChallenge failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

export const getChallenge = (token: string, id: string) =>
  callJson<Challenge>(`/v1/challenges/${id}`, { token });

export const joinRaw = (token: string, id: string) =>
  callJson<{ progress: Progress }>(`/v1/challenges/${id}/join`, { method: "POST", token });

/** Joins and insists on 201; returns the progress the join reports. */
export async function join(token: string, id: string): Promise<Progress> {
  const { status, body } = await joinRaw(token, id);
  if (status !== 201) throw new Error(`join failed: ${status} ${JSON.stringify(body)}`);
  return body.progress;
}

export const leave = (token: string, id: string) =>
  callJson(`/v1/challenges/${id}/join`, { method: "DELETE", token });

export const progressRaw = (token: string, id: string) =>
  callJson<Progress>(`/v1/challenges/${id}/progress`, { token });

/** GET progress, insisting on 200. */
export async function progressOf(token: string, id: string): Promise<Progress> {
  const { status, body } = await progressRaw(token, id);
  if (status !== 200) throw new Error(`progress failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

export const leaderboardRaw = (token: string, id: string, limit?: number) =>
  callJson<Board>(`/v1/challenges/${id}/leaderboard${limit === undefined ? "" : `?limit=${limit}`}`, {
    token,
  });

export async function leaderboardOf(token: string, id: string, limit?: number): Promise<Board> {
  const { status, body } = await leaderboardRaw(token, id, limit);
  if (status !== 200) throw new Error(`leaderboard failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** The user ids of a board's items, in rank order. */
export const boardOrder = (board: Board) => board.items.map((item) => item.user.id);

/** The whole ranking of a challenge, as PostgreSQL sorts it (what every board and rank must agree with). */
export const databaseOrder = async (challengeId: string) =>
  (
    await sql<{ user_id: string }>(
      `select user_id from challenge_participants where challenge_id = $1
       order by completed_at asc nulls last, current desc, joined_at, user_id`,
      [challengeId],
    )
  ).map((row) => row.user_id);

/** Pages through GET /v1/challenges (`query`) until `done(items so far)` or the end; returns every item. */
export async function scanChallenges(
  token: string,
  query: Record<string, string>,
  done: (items: Challenge[]) => boolean = () => false,
  maxPages = 1000,
) {
  const items: Challenge[] = [];
  const pages: Challenge[][] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams(query);
    if (cursor) params.set("cursor", cursor);
    const { status, body } = await callJson<{ items: Challenge[]; nextCursor: string | null }>(
      `/v1/challenges?${params}`,
      { token },
    );
    if (status !== 200) throw new Error(`list failed: ${status} ${JSON.stringify(body)}`);
    pages.push(body.items);
    items.push(...body.items);
    cursor = body.nextCursor;
    if (pages.length > maxPages) throw new Error("pagination does not end");
  } while (cursor && !done(items));
  return { items, pages, ended: cursor === null };
}

/**
 * Scans a filtered list (newest start first) far enough to know whether `target` is in it: past the
 * point where a challenge starting when it does would have appeared. Returns the matching items.
 */
export async function listedIn(token: string, query: Record<string, string>, target: Challenge) {
  const { items } = await scanChallenges(token, { limit: "100", ...query }, (seen) => {
    const last = seen.at(-1);
    return (
      seen.some((item) => item.id === target.id) ||
      (!!last && Date.parse(last.startsAt) < Date.parse(target.startsAt))
    );
  });
  return items.filter((item) => item.id === target.id);
}

// ---- the cron and the boards in Redis -----------------------------------------------------------

/** Runs the Worker's scheduled handler (the Cron Trigger) to completion, deferred work included. */
export async function runCron() {
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ cron: "5 * * * *", scheduledTime: Date.now() }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

/** The Redis keys of a challenge's board (src/services/leaderboard.ts). */
export const boardKeys = (challengeId: string) => [
  `lb:${challengeId}`,
  `lb:${challengeId}:entries`,
  `lb:${challengeId}:names`,
];

export async function boardExists(challengeId: string) {
  return (await upstash().exists(`lb:${challengeId}`)) === 1;
}

/** Deletes every `lb:<challengeId>*` key: the next read must rebuild the board from PostgreSQL. */
export async function deleteBoard(challengeId: string) {
  const redis = upstash();
  const found = await redis.keys(`lb:${challengeId}*`);
  const keys = [...new Set([...found, ...boardKeys(challengeId)])];
  await redis.del(...keys);
  expect(await redis.exists(...keys)).toBe(0);
}
