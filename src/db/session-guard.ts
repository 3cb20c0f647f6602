import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "./client";

/**
 * Runs `queries` as one atomic round trip, after a check that the caller's session is still active.
 * If it has ended, the batch fails with SESSION_ENDED_SQLSTATE (db/errors.ts) and nothing in it is written.
 *
 * @example
 * const [, read] = await guarded(db, auth.sessionId, [countAttempt, db.execute(sql`select …`)]);
 */
export async function guarded<T extends readonly [BatchItem<"pg">, ...BatchItem<"pg">[]]>(
  db: Database,
  sessionId: string,
  queries: T,
) {
  const [, ...results] = await db.batch([
    db.execute(sql`select assert_session_active(${sessionId})`),
    ...queries,
  ]);
  return results as unknown as { [K in keyof T]: T[K]["_"]["result"] };
}

/**
 * What drizzle's own `batch` uses of a query (drizzle-orm/neon-http/session.js): its SQL and
 * parameters, whether rows come as arrays, and how they map back to the query's result.
 */
type PreparedForBatch = {
  getQuery(): { sql: string; params: unknown[] };
  isResponseInArrayMode(): boolean;
  mapResult(result: unknown, fromBatch: boolean): unknown;
};

/**
 * One read behind the session check, as ONE statement: `guarded` with a single query costs the
 * proxy a transaction (BEGIN, the check, the query, COMMIT: four statements against the database),
 * this costs it one. The check is a condition that names no column of the query, so PostgreSQL
 * makes it a one-time filter evaluated before the first row is read (EXPLAIN: "One-Time Filter"):
 * an ended session fails with SESSION_ENDED_SQLSTATE whether or not the query finds rows. Only a
 * query the planner proves empty without reading anything (a constant-false condition) skips it,
 * and that answers nothing. `query` must be a read: PostgreSQL refuses a data-modifying statement
 * as a subquery.
 *
 * @example
 * const rows = await guardedRead(db, auth.sessionId, db.select().from(mealLogs).where(eq(mealLogs.id, id)));
 */
export async function guardedRead<T extends BatchItem<"pg">>(
  db: Database,
  sessionId: string,
  query: T,
): Promise<T["_"]["result"]> {
  const prepared = (query as unknown as { _prepare(): PreparedForBatch })._prepare();
  const { sql: text, params } = prepared.getQuery();
  const result = await db.$client.query(
    `select * from (${text}) as guarded where assert_session_active($${params.length + 1})`,
    [...params, sessionId],
    { arrayMode: prepared.isResponseInArrayMode(), fullResults: true },
  );
  return prepared.mapResult(result, true) as T["_"]["result"];
}
