import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import { neon, neonConfig } from "@neondatabase/serverless";
import { Redis } from "@upstash/redis/cloudflare";
import { expect, inject, type MockInstance, vi } from "vitest";
import { buildApp } from "../../src/app";
import worker from "../../src/index";
import { type SignedUp, signUp } from "../helpers/factories";
import { BASE_URL, type CallOptions, callJson } from "../helpers/http";

/**
 * Factories and small clients for the challenge and badge suites. Every test builds its own users
 * and challenges; the database is shared with every other suite (and the cron acts globally), so
 * tests only ever assert on the state of what they created themselves.
 */

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

// The API's own types: a change of shape breaks these suites at compile time too.
export type { Challenge, Progress, Rule } from "../../src/routes/challenges/challenges.schemas";

import type { Challenge, Progress } from "../../src/routes/challenges/challenges.schemas";

export type Board = {
  items: {
    rank: number;
    user: { id: string; displayName: string };
    current: number;
    completedAt: string | null;
  }[];
  me: { rank: number; current: number; completedAt: string | null } | null;
};

export type WriteEvent = { type: string; [key: string]: any };
export type LogWrite = { log: { id: string; localDate: string; [key: string]: any }; events: WriteEvent[] };

export type Request = CallOptions;

/** `callJson` (test/helpers/http.ts): the parsed body and an unread copy of the response. */
export const api = callJson;

/** A fresh user in a zone (UTC unless told: local days are then UTC dates). */
export function newUser(options: { timezone?: string; displayName?: string } = {}): Promise<SignedUp> {
  return signUp({ timezone: options.timezone ?? "UTC", displayName: options.displayName ?? "Player" });
}

// ---- days and instants ------------------------------------------------------------------------

const DAY_MS = 24 * 3600 * 1000;

/** The UTC calendar day `offset` days from today (what a UTC user's local day is). */
export function utcDay(offset = 0): string {
  return new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);
}

/**
 * An instant on the UTC day `offset` days from today, at `time` (HH:MM:SS). Any time of today or of
 * an earlier day is accepted by the API; for tomorrow keep it just after midnight (≤ 1 day ahead).
 */
export function onDay(offset: number, time = "12:00:00"): string {
  return `${utcDay(offset)}T${time}Z`;
}

/** An instant `ms` from now, ISO. */
export const fromNow = (ms: number) => new Date(Date.now() + ms).toISOString();
export const DAYS = DAY_MS;

/**
 * Waits while UTC midnight is near, so a test that reasons about "today" does not straddle two days:
 * from `beforeMs` before midnight until `afterMs` after it (tests log "tomorrow" at 00:00:05, which
 * the API accepts only once it is at most a day ahead).
 */
export async function awayFromMidnight(beforeMs = 20_000, afterMs = 10_000) {
  const sinceMidnight = Date.now() % DAY_MS;
  if (sinceMidnight > DAY_MS - beforeMs) await sleep(DAY_MS - sinceMidnight + afterMs);
  else if (sinceMidnight < afterMs) await sleep(afterMs - sinceMidnight);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sleeps until `instant` (ISO) has passed, plus `marginMs`. */
export async function sleepUntil(instant: string, marginMs = 50) {
  const wait = Date.parse(instant) - Date.now() + marginMs;
  if (wait > 0) await sleep(wait);
}

// ---- logs ---------------------------------------------------------------------------------------

/** POST /v1/logs as is. */
export const postLog = (token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  api<LogWrite>("/v1/logs", { method: "POST", token, body, headers });

/** Logs a meal (a lunch at noon UTC today unless overridden) and insists on 201. */
export async function logMeal(token: string, overrides: Record<string, unknown> = {}): Promise<LogWrite> {
  const { status, body } = await postLog(token, {
    mealType: "lunch",
    eatenAt: onDay(0),
    title: "Bibimbap",
    ...overrides,
  });
  if (status !== 201) throw new Error(`logMeal failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

export async function patchLog(token: string, id: string, patch: Record<string, unknown>): Promise<LogWrite> {
  const { status, body } = await api<LogWrite>(`/v1/logs/${id}`, { method: "PATCH", token, body: patch });
  if (status !== 200) throw new Error(`patchLog failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

export async function deleteLog(token: string, id: string) {
  const { status, body } = await api(`/v1/logs/${id}`, { method: "DELETE", token });
  if (status !== 204) throw new Error(`deleteLog failed: ${status} ${JSON.stringify(body)}`);
}

export async function patchMe(token: string, patch: Record<string, unknown>) {
  const { status, body } = await api("/v1/users/me", { method: "PATCH", token, body: patch });
  if (status !== 200) throw new Error(`profile update failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

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
    startsAt: fromNow(-10 * DAY_MS),
    endsAt: fromNow(5 * DAY_MS),
    ...overrides,
  };
}

export const postChallenge = (token: string, body: unknown) =>
  api<Challenge>("/v1/challenges", { method: "POST", token, body });

/** Creates a challenge (challengeBody + overrides) and insists on 201. */
export async function createChallenge(
  token: string,
  overrides: Record<string, unknown> = {},
): Promise<Challenge> {
  const { status, body } = await postChallenge(token, challengeBody(overrides));
  if (status !== 201) throw new Error(`createChallenge failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

export const getChallenge = (token: string, id: string) => api<Challenge>(`/v1/challenges/${id}`, { token });

export const joinRaw = (token: string, id: string) =>
  api<{ progress: Progress }>(`/v1/challenges/${id}/join`, { method: "POST", token });

/** Joins and insists on 201; returns the progress the join reports. */
export async function join(token: string, id: string): Promise<Progress> {
  const { status, body } = await joinRaw(token, id);
  if (status !== 201) throw new Error(`join failed: ${status} ${JSON.stringify(body)}`);
  return body.progress;
}

export const leave = (token: string, id: string) =>
  api(`/v1/challenges/${id}/join`, { method: "DELETE", token });

export const progressRaw = (token: string, id: string) =>
  api<Progress>(`/v1/challenges/${id}/progress`, { token });

/** GET progress, insisting on 200. */
export async function progressOf(token: string, id: string): Promise<Progress> {
  const { status, body } = await progressRaw(token, id);
  if (status !== 200) throw new Error(`progress failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

export const leaderboardRaw = (token: string, id: string, limit?: number) =>
  api<Board>(`/v1/challenges/${id}/leaderboard${limit === undefined ? "" : `?limit=${limit}`}`, { token });

export async function leaderboardOf(token: string, id: string, limit?: number): Promise<Board> {
  const { status, body } = await leaderboardRaw(token, id, limit);
  if (status !== 200) throw new Error(`leaderboard failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** The user ids of a board's items, in rank order. */
export const boardOrder = (board: Board) => board.items.map((item) => item.user.id);

// ---- waiting for deferred work ------------------------------------------------------------------

/**
 * Retries `attempt` (an assertion block) until it stops throwing, for state the Worker updates after
 * its response (leaderboards in Redis); rethrows the last failure after `timeoutMs`.
 */
export async function eventually<T>(
  attempt: () => Promise<T>,
  { timeoutMs = 2000, intervalMs = 25 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(intervalMs);
    }
  }
}

// ---- the cron -----------------------------------------------------------------------------------

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

// ---- Redis --------------------------------------------------------------------------------------

/** The local Upstash endpoint the Worker uses (real Redis or the in-memory one). */
export const upstash = () => new Redis({ url: inject("upstashUrl"), token: inject("upstashToken") });

/** True when the run uses the in-memory Redis (ioredis-mock) rather than REDIS_URL. */
export const embeddedRedis = () => inject("embedded").redis;

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

/** A port nothing listens on: Redis "down" exactly as a refused connection. */
export const REDIS_DOWN = { UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" };

/** Calls the app with other bindings (Redis down, …), as the edge would. */
export async function apiWith<T = any>(
  bindings: Record<string, string>,
  path: string,
  options: Request = {},
) {
  const headers = new Headers(options.headers);
  let body: string | undefined;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers.set("content-type", "application/json");
  }
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  const response = await buildApp().request(
    new URL(path, BASE_URL),
    { method: options.method ?? (body === undefined ? "GET" : "POST"), headers, body },
    { ...env, ...bindings },
  );
  const text = await response.text();
  return {
    status: response.status,
    body: (text && response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text) as T,
  };
}

/**
 * Closes the isolate's Redis circuit breaker (src/lib/breaker.ts; it logs an outage once per isolate):
 * readiness asks Redis itself, breaker or not, through both the Worker's export and a built app.
 */
export async function redisBackUp(token: string) {
  await api("/health/ready", { token });
  await apiWith({}, "/health/ready", { token });
}

/** Spies on console.warn; `outageWarnings()` are the "redis unavailable" lines logged since. */
export function watchWarnings() {
  const spy: MockInstance<typeof console.warn> = vi.spyOn(console, "warn").mockImplementation(() => {});
  return {
    outageWarnings: () =>
      spy.mock.calls.map((args) => String(args[0])).filter((line) => line.includes("redis unavailable")),
    restore: () => spy.mockRestore(),
  };
}

// ---- direct SQL (setup and observation the API cannot reach in a test's time) ------------------

/**
 * Direct SQL on the test database through the local Neon endpoint (the one the Worker's
 * NEON_FETCH_ENDPOINT binding names, so setting it globally changes nothing for the app).
 */
export async function sql<T = Record<string, unknown>>(query: string, params: unknown[] = []) {
  neonConfig.fetchEndpoint = inject("neonHttpUrl");
  const client = neon((env as unknown as { DATABASE_URL: string }).DATABASE_URL);
  return (await client.query(query, params)) as T[];
}

/** A random UUIDv7-shaped id that names nothing. */
export function unknownId(): string {
  const id = crypto.randomUUID();
  return `${id.slice(0, 14)}7${id.slice(15)}`;
}

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
    const { status, body } = await api<{ items: Challenge[]; nextCursor: string | null }>(
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
