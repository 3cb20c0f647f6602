import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { guarded } from "../db/session-guard";
import type { AuthContext, Services } from "../types";
import { beginWrite, endWrite } from "./user-cache";

/** SQLSTATE raised by consume_write_quota() (drizzle/0007_write_quota_function.sql). */
export const WRITE_QUOTA_SQLSTATE = "SK429";

/**
 * A user's write batch: the session check, the per-user write quota (API.md: writes 120 per user
 * per minute) and `queries`, as one atomic round trip. Over the quota the whole batch is refused
 * and nothing of it, not even its count, is written.
 */
export async function guardedWrite<T extends readonly [BatchItem<"pg">, ...BatchItem<"pg">[]]>(
  services: Services,
  auth: AuthContext,
  queries: T,
) {
  const { db, config } = services;
  // The user row first, and exclusively: a user's writes run one after the other (each one's
  // progress recomputation sees the others' logs), and an account deletion waits for them instead
  // of deadlocking with their foreign-key checks.
  const lockUser = db.execute(sql`select 1 from users where id = ${auth.userId} for update`);
  const quota = db.execute(
    sql`select consume_write_quota(${auth.userId}, ${config.rateLimits.writesPerUser})`,
  );
  const [, , ...results] = await guarded(db, auth.sessionId, [lockUser, quota, ...queries]);
  return results as unknown as { [K in keyof T]: T[K]["_"]["result"] };
}

/**
 * Runs a user's write under the cache protocol of user-cache.ts: the cache bump (one Redis round
 * trip) runs in parallel with the write's database batch, and the in-flight mark is lowered after
 * the response, whatever happened. No read that starts after the response can see older data.
 */
export async function asUserWrite<T>(
  services: Services,
  auth: AuthContext,
  run: () => Promise<T>,
): Promise<T> {
  try {
    const [, result] = await Promise.all([beginWrite(services, auth.userId), run()]);
    return result;
  } finally {
    endWrite(services, auth.userId);
  }
}
