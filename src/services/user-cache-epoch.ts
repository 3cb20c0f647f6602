import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { guarded } from "../db/session-guard";
import type { AuthContext, Services } from "../types";

/**
 * The database's `cache_epoch` as the user cache (user-cache.ts) reads it; with `sessionId`, read only
 * while that session is active (the statement fails otherwise, and with it its batch).
 */
const epochQuery = (db: Database, sessionId?: string) =>
  db.execute<{ epoch: string }>(
    sql`select epoch::text as epoch from cache_epoch${sessionId ? sql` where assert_session_active(${sessionId})` : sql``}`,
  );

/** The epoch on its own (one round trip): only for the background re-check of warm-only isolates. */
export async function databaseEpoch(db: Database): Promise<number> {
  const result = await epochQuery(db);
  return Number(result.rows[0]?.epoch ?? 0);
}

/** The database epoch as a loader's batch read it, and when that batch was sent. */
export type EpochRead = { epoch: number; at: number };

/**
 * What a loader sends its one database batch through: `guarded` (the session check first) without
 * Redis; with Redis, its queries and then the database epoch, read by the statement that also checks
 * the session, so that a miss checks the epoch without a round trip of its own and the batch is one
 * statement shorter. The check at the end sees the session as late as the batch can: a session ended
 * before it fails the whole batch, and nothing read before it is answered.
 */
export type LoadBatch = <Q extends readonly [BatchItem<"pg">, ...BatchItem<"pg">[]]>(
  queries: Q,
) => Promise<{ [K in keyof Q]: Q[K]["_"]["result"] }>;

export function loadBatch(
  services: Services,
  auth: AuthContext,
  onEpoch: (read: EpochRead) => void,
): LoadBatch {
  const { db, cache } = services;
  if (!cache.redis) return (queries) => guarded(db, auth.sessionId, queries);
  return async (queries) => {
    const at = Date.now();
    const results = (await db.batch([...queries, epochQuery(db, auth.sessionId)])) as unknown[];
    const epochResult = results.pop() as { rows: { epoch: string }[] };
    onEpoch({ epoch: Number(epochResult.rows[0]?.epoch ?? 0), at });
    return results as never;
  };
}
