import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "./client";

/**
 * Runs `queries` as one atomic round trip, after a check that the caller's session is still active.
 * If it has ended, the batch fails with SESSION_ENDED_SQLSTATE (db/errors.ts) and nothing in it is written.
 *
 * @example
 * const [[user]] = await guarded(db, auth.sessionId, [db.select().from(users).where(eq(users.id, auth.userId))]);
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
