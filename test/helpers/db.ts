import { env } from "cloudflare:test";
import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { inject } from "vitest";

/**
 * Direct SQL on the test database, for setup and observation the API cannot reach in a test's time
 * (an expired session, how a password is stored, "nothing was written").
 */

/** The database timeout (config.ts default): every database call of the Worker gives up after this long. */
export const DB_TIMEOUT_MS = 2500;

// PostgreSQL type oids whose text the suites want as JS values (int8 and numeric stay text, as
// the Neon driver leaves them; timestamps stay ISO-like text).
const NUMBER_TYPES = new Set([21, 23, 26, 700, 701]);
const BOOLEAN = 16;
const JSON_TYPES = new Set([114, 3802]);

function parseValue(text: string | null, typeId: number): unknown {
  if (text === null) return null;
  if (NUMBER_TYPES.has(typeId)) return Number(text);
  if (typeId === BOOLEAN) return text === "t";
  if (JSON_TYPES.has(typeId)) return JSON.parse(text);
  return text;
}

type NeonResult = {
  rows?: Record<string, string | null>[];
  fields?: { name: string; dataTypeID: number }[];
};

/** Rows as the suites want them: int2/int4/float, bool and json parsed; everything else as text. */
const rowsOf = <T>(result: NeonResult): T[] => {
  const fields = result.fields ?? [];
  return (result.rows ?? []).map(
    (row) =>
      Object.fromEntries(fields.map((f) => [f.name, parseValue(row[f.name] ?? null, f.dataTypeID)])) as T,
  );
};

/** One request to the local Neon endpoint: a query, or (`queries`) a transaction of several. */
async function neonRequest(body: unknown) {
  const response = await fetch(inject("neonHttpUrl"), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "Neon-Connection-String": (env as unknown as { DATABASE_URL: string }).DATABASE_URL,
      "Neon-Raw-Text-Output": "true",
    },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as NeonResult & { results?: NeonResult[]; message?: string };
  if (response.status !== 200) throw new Error(`sql failed (${response.status}): ${answer.message}`);
  return answer;
}

/**
 * A query through the local Neon endpoint (the Worker's NEON_FETCH_ENDPOINT), with plain fetch, so
 * it never touches the isolate-global `neonConfig` that the Worker's requests (and fault-scoped
 * endpoints) set. int2/int4/float, bool and json come back parsed; everything else as text.
 */
export async function sql<T = Record<string, any>>(query: string, params: unknown[] = []): Promise<T[]> {
  return rowsOf<T>(await neonRequest({ query, params }));
}

/** Several queries as one transaction (as `sql`), for what only one transaction shows; rows of each. */
export async function sqlTransaction(queries: { query: string; params?: unknown[] }[]) {
  const answer = await neonRequest({ queries: queries.map(({ query, params = [] }) => ({ query, params })) });
  return (answer.results ?? []).map((result) => rowsOf<Record<string, any>>(result));
}

/** A UUIDv7 as the API makes ids. */
export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** A UTC timestamp as the API answers them (`...Z`). */
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** A random id shaped like the API's (UUIDv7) that names nothing. */
export function unknownId(): string {
  const id = crypto.randomUUID();
  return `${id.slice(0, 14)}7${id.slice(15)}`;
}

/**
 * Everything a user owns, as one comparable string: profile and password hash, logs (id and
 * last change), sessions and their revocations, refresh tokens and rotations, challenges created
 * (their editable fields), participations, idempotency keys and badges. Two equal fingerprints
 * mean no request wrote anything of the user's in between.
 */
export async function fingerprint(userId: string): Promise<string> {
  const [row] = await sql<{ fp: string }>(
    `select json_build_object(
       'user', (select json_build_object('email', email, 'name', display_name, 'tz', timezone,
                  'dayStart', day_start_hour,
                  'goals', array[goal_calories, goal_protein_g, goal_carbs_g, goal_fat_g],
                  'password', md5(password_hash), 'updated', updated_at)
                from users where id = $1),
       'logs', (select json_build_object('n', count(*),
                  'h', md5(coalesce(string_agg(id::text || '@' || updated_at::text, ',' order by id), '')))
                from meal_logs where user_id = $1),
       'sessions', (select json_build_object('n', count(*), 'revoked', count(revoked_at))
                from sessions where user_id = $1),
       'tokens', (select json_build_object('n', count(*), 'rotated', count(t.rotated_at))
                from refresh_tokens t join sessions s on s.id = t.session_id where s.user_id = $1),
       'challenges', (select json_build_object('n', count(*),
                  'h', md5(coalesce(string_agg(concat_ws('|', id, title, description, rule::text, starts_at,
                         ends_at, duration_days), ',' order by id), '')))
                from challenges where created_by = $1),
       'joined', (select count(*) from challenge_participants where user_id = $1),
       'idempotency', (select count(*) from idempotency_keys where user_id = $1),
       'badges', (select count(*) from user_badges where user_id = $1)
     )::text as fp`,
    [userId],
  );
  return row!.fp;
}

/** Row counts of a user's data (for "rows lost" figures). */
export async function rowCounts(userId: string) {
  const [row] = await sql<Record<string, string>>(
    `select (select count(*) from meal_logs where user_id = $1) as logs,
            (select count(*) from challenge_participants where user_id = $1) as joined,
            (select count(*) from user_badges where user_id = $1) as badges,
            (select count(*) from sessions where user_id = $1 and revoked_at is null) as live_sessions,
            (select count(*) from users where id = $1) as users`,
    [userId],
  );
  return Object.fromEntries(Object.entries(row!).map(([key, value]) => [key, Number(value)])) as {
    logs: number;
    joined: number;
    badges: number;
    live_sessions: number;
    users: number;
  };
}

/** A drizzle query — the very SQL a service sends (e.g. src/services/ranking.ts) — run through `sql`. */
export function sqlOf<T = Record<string, any>>(query: SQL): Promise<T[]> {
  const { sql: text, params } = new PgDialect().sqlToQuery(query);
  return sql<T>(text, params);
}
