import { decode } from "hono/jwt";
import { expect, inject } from "vitest";
import { type SignedUp, signUp } from "../helpers/factories";
import { type CallOptions, callJson, expectProblem } from "../helpers/http";

/**
 * Factories and small clients for the meal-log suites. Every test builds its own users and logs
 * with these; nothing here is shared between tests.
 */

// The API's own types: a change of shape breaks these suites at compile time too.
export type { DaySummary, Log, Summary } from "../../src/routes/logs/logs.schemas";

import type { DaySummary, Log, Summary } from "../../src/routes/logs/logs.schemas";

export type WriteEvent = { type: string; [key: string]: any };
export type LogWrite = { log: Log; events: WriteEvent[] };
export type Page = { items: Log[]; nextCursor: string | null };
/** A UUIDv7 as the API makes ids. */
export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** A UTC timestamp as the API answers them (`...Z`). */
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export type Request = CallOptions;

/** `callJson` (test/helpers/http.ts): the parsed body and an unread copy of the response. */
export const api = callJson;

export type UserOptions = {
  timezone?: string;
  dayStartHour?: number;
  goals?: Partial<{
    calories: number | null;
    proteinG: number | null;
    carbsG: number | null;
    fatG: number | null;
  }>;
};

/** A fresh user (own email, own address), with the profile settings a test needs. */
export async function newUser(options: UserOptions = {}): Promise<SignedUp> {
  const account = await signUp({ timezone: options.timezone ?? "Asia/Seoul" });
  const { timezone: _timezone, ...rest } = options;
  if (Object.keys(rest).length > 0) await updateProfile(account.accessToken, rest);
  return account;
}

/** PATCH /v1/users/me, insisting on 200. */
export async function updateProfile(token: string, patch: Record<string, unknown>) {
  const { status, body } = await api("/v1/users/me", { method: "PATCH", token, body: patch });
  if (status !== 200) throw new Error(`profile update failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** A valid create body: a Seoul lunch in the past, with only the required fields unless overridden. */
export const validLog = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  mealType: "lunch",
  eatenAt: "2026-11-20T12:30:00+09:00",
  title: "Kimchi jjigae",
  ...overrides,
});

/** POST /v1/logs as is (any status). */
export const postLog = (token: string, body: unknown, headers: Record<string, string> = {}) =>
  api<LogWrite>("/v1/logs", { method: "POST", token, body, headers });

/** Logs a meal through the API and insists on 201; returns `{ log, events }`. */
export async function logMeal(
  token: string,
  overrides: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<LogWrite> {
  const { status, body } = await postLog(token, validLog(overrides), headers);
  if (status !== 201) throw new Error(`logMeal failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

export const getLog = (token: string | undefined, id: string) => api<Log>(`/v1/logs/${id}`, { token });

export const patchLog = (token: string | undefined, id: string, body: unknown) =>
  api<LogWrite>(`/v1/logs/${id}`, { method: "PATCH", token, body });

export const deleteLog = (token: string | undefined, id: string) =>
  api(`/v1/logs/${id}`, { method: "DELETE", token });

const queryString = (query: Record<string, string | number | undefined>) => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
};

export const listLogs = (
  token: string | undefined,
  query: Record<string, string | number | undefined> = {},
) => api<Page>(`/v1/logs${queryString(query)}`, { token });

/** Follows `nextCursor` to the end; returns every page (each insisted 200). */
export async function allPages(token: string, query: Record<string, string | number | undefined> = {}) {
  const pages: Page[] = [];
  let cursor: string | undefined;
  do {
    const { status, body } = await listLogs(token, { ...query, cursor });
    expect(status).toBe(200);
    pages.push(body);
    cursor = body.nextCursor ?? undefined;
    if (pages.length > 50) throw new Error("pagination does not end");
  } while (cursor);
  return pages;
}

/** The ids of every log the user's list shows (all pages). */
export async function listedIds(token: string, query: Record<string, string | number | undefined> = {}) {
  return (await allPages(token, { limit: 100, ...query })).flatMap((page) => page.items.map((log) => log.id));
}

/** Asserts the user has no logs at all (nothing was written). */
export async function expectNoLogs(token: string) {
  const { status, body } = await listLogs(token, { limit: 100 });
  expect(status).toBe(200);
  expect(body).toEqual({ items: [], nextCursor: null });
}

export const getSummary = (token: string | undefined, from?: string, to?: string) =>
  api<Summary>(`/v1/logs/summary${queryString({ from, to })}`, { token });

/** GET /v1/logs/summary, insisting on 200. */
export async function summaryOf(token: string, from: string, to: string): Promise<Summary> {
  const { status, body } = await getSummary(token, from, to);
  if (status !== 200) throw new Error(`summary failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** The summary entry of one day. */
export function dayOf(summary: Summary, date: string): DaySummary {
  const day = summary.days.find((entry) => entry.date === date);
  if (!day) throw new Error(`no entry for ${date} in ${JSON.stringify(summary.days.map((d) => d.date))}`);
  return day;
}

/** A calendar day `n` days after `day` (YYYY-MM-DD arithmetic, no time zones involved). */
export function addDays(day: string, n: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + n);
  return date.toISOString().slice(0, 10);
}

/** Asserts a 400 problem whose field errors include one at `path`; returns the problem. */
export async function expectInvalid(response: Response, path: string) {
  const problem = await expectProblem(response, 400);
  expect(problem.code).toBe("INVALID_INPUT");
  expect(problem.errors?.map((error) => error.path)).toContain(path);
  for (const error of problem.errors ?? []) expect(error.message).toEqual(expect.any(String));
  return problem;
}

/** The parts of a problem that must not differ between "not yours" and "does not exist". */
export const problemIdentity = (problem: Record<string, unknown>) => ({
  type: problem.type,
  title: problem.title,
  status: problem.status,
  detail: problem.detail,
  code: problem.code,
  errors: problem.errors,
});

/** A raw Redis command through the local Upstash endpoint the Worker uses. */
export async function redisCommand(...command: (string | number)[]): Promise<unknown> {
  const response = await fetch(inject("upstashUrl"), {
    method: "POST",
    headers: { Authorization: `Bearer ${inject("upstashToken")}`, "Content-Type": "application/json" },
    body: JSON.stringify(command),
  });
  return ((await response.json()) as { result: unknown }).result;
}

/** Polls until `check` is true: for work the Worker defers past its response (cache fills). */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The Redis key a user-cache entry of this session is stored under (src/services/user-cache.ts:
 * `uc:<user>:<name>:<session>`, e.g. name `summary:<from>:<to>`).
 */
export function userCacheKey(account: SignedUp, name: string) {
  const sessionId = decode(account.accessToken).payload.sid as string;
  return `uc:${account.user.id}:${name}:${sessionId}`;
}

export const summaryCacheKey = (account: SignedUp, from: string, to: string) =>
  userCacheKey(account, `summary:${from}:${to}`);

/**
 * What Redis holds for an entry (`<version>|<epoch>|<json>`), and whether a read would be served it:
 * at the version Redis knows, in its epoch, with no write fenced.
 */
export async function cachedEntry(account: SignedUp, name: string) {
  const raw = (await redisCommand("GET", userCacheKey(account, name))) as string | null;
  if (raw === null) return undefined;
  const [, version, epoch, json] = /^(\d+)\|([^|]*)\|(.*)$/s.exec(raw) ?? [];
  const [current, currentEpoch, fences] = await Promise.all([
    redisCommand("GET", `uc:${account.user.id}:version`),
    redisCommand("GET", "uc:epoch"),
    redisCommand("ZCARD", `uc:${account.user.id}:fences`),
  ]);
  return {
    version: version!,
    epoch: epoch!,
    value: JSON.parse(json!) as unknown,
    servable: String(current) === version && currentEpoch === epoch && Number(fences) === 0,
  };
}

/** Reads `path` until the Worker has stored a servable entry `name` for it (the next read is a hit). */
export async function warmEntry<T>(account: SignedUp, name: string, read: () => Promise<T>): Promise<T> {
  let value = await read();
  await eventually(async () => {
    if ((await cachedEntry(account, name))?.servable) return true;
    value = await read();
    return false;
  });
  return value;
}

/** Reads the summary and waits until the Worker has stored it in Redis (the next read is a hit). */
export const warmSummary = (account: SignedUp, from: string, to: string): Promise<Summary> =>
  warmEntry(account, `summary:${from}:${to}`, () => summaryOf(account.accessToken, from, to));

/** A random id shaped like the API's (UUIDv7) that names no log. */
export function uuidV7Like(): string {
  const id = crypto.randomUUID();
  return `${id.slice(0, 14)}7${id.slice(15)}`;
}

/** Logs `count` meals one after the other; `overrides(i)` shapes the i-th. Returns the logs in creation order. */
export async function logMany(
  token: string,
  count: number,
  overrides: (i: number) => Record<string, unknown> = () => ({}),
): Promise<Log[]> {
  const logs: Log[] = [];
  for (let i = 0; i < count; i++)
    logs.push((await logMeal(token, { title: `Meal ${i}`, ...overrides(i) })).log);
  return logs;
}

/** The order the list promises: newest eatenAt first, ties broken by id (newest first). */
export const newestFirst = (logs: Log[]) =>
  [...logs].sort((a, b) =>
    a.eatenAt === b.eatenAt ? (a.id < b.id ? 1 : -1) : Date.parse(b.eatenAt) - Date.parse(a.eatenAt),
  );

/** base64url of a JSON value: how a hand-made cursor looks. */
export const base64UrlJson = (value: unknown) =>
  btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
