import { expect } from "vitest";
import type { DaySummary, Log, Summary } from "../../src/routes/logs/logs.schemas";
import { callJson, expectProblem } from "./http";

/** Meal logs through the API: bodies, clients, pages, summaries. Every test logs its own meals. */

// The API's own types: a change of shape breaks these suites at compile time too.
export type { DaySummary, Log, Summary } from "../../src/routes/logs/logs.schemas";

export type WriteEvent = { type: string; [key: string]: any };
export type LogWrite = { log: Log; events: WriteEvent[] };
export type Page = { items: Log[]; nextCursor: string | null };

/** A valid create body: a Seoul lunch in the past, with only the required fields unless overridden. */
export const validLog = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  mealType: "lunch",
  eatenAt: "2026-11-20T12:30:00+09:00",
  title: "Kimchi jjigae",
  ...overrides,
});

/** POST /v1/logs as is (any status). */
export const postLog = (token: string, body: unknown, headers: Record<string, string> = {}) =>
  callJson<LogWrite>("/v1/logs", { method: "POST", token, body, headers });

/** Logs a meal (validLog + overrides) and insists on 201; returns `{ log, events }`. */
export async function logMeal(
  token: string,
  overrides: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<LogWrite> {
  const { status, body } = await postLog(token, validLog(overrides), headers);
  if (status !== 201) throw new Error(`logMeal failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** `logMeal`, just the log. */
export const createLog = async (token: string, overrides: Record<string, unknown> = {}) =>
  (await logMeal(token, overrides)).log;

export const getLog = (token: string | undefined, id: string) => callJson<Log>(`/v1/logs/${id}`, { token });

/** PATCH /v1/logs/:id as is (any status). */
export const patchLog = (token: string | undefined, id: string, body: unknown) =>
  callJson<LogWrite>(`/v1/logs/${id}`, { method: "PATCH", token, body });

/** PATCH /v1/logs/:id, insisting on 200; returns `{ log, events }`. */
export async function updateLog(
  token: string,
  id: string,
  patch: Record<string, unknown>,
): Promise<LogWrite> {
  const { status, body } = await patchLog(token, id, patch);
  if (status !== 200) throw new Error(`updateLog failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** DELETE /v1/logs/:id as is (any status). */
export const deleteLog = (token: string | undefined, id: string) =>
  callJson(`/v1/logs/${id}`, { method: "DELETE", token });

/** DELETE /v1/logs/:id, insisting on 204. */
export async function removeLog(token: string, id: string) {
  const { status, body } = await deleteLog(token, id);
  if (status !== 204) throw new Error(`removeLog failed: ${status} ${JSON.stringify(body)}`);
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

const queryString = (query: Record<string, string | number | undefined>) => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
};

export const listLogs = (
  token: string | undefined,
  query: Record<string, string | number | undefined> = {},
) => callJson<Page>(`/v1/logs${queryString(query)}`, { token });

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

/** The order the list promises: newest eatenAt first, ties broken by id (newest first). */
export const newestFirst = (logs: Log[]) =>
  [...logs].sort((a, b) =>
    a.eatenAt === b.eatenAt ? (a.id < b.id ? 1 : -1) : Date.parse(b.eatenAt) - Date.parse(a.eatenAt),
  );

export const getSummary = (token: string | undefined, from?: string, to?: string) =>
  callJson<Summary>(`/v1/logs/summary${queryString({ from, to })}`, { token });

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
