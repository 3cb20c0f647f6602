import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { sqlState } from "../db/errors";
import { guarded } from "../db/session-guard";
import type { AuthContext, Services } from "../types";
import { bumpEpoch, fenceWrite, noteEpoch, rememberWriter, settleWrite } from "./user-cache";

/** What a batch of `queries` answers, statement by statement. */
export type BatchResults<T extends readonly BatchItem<"pg">[]> = { [K in keyof T]: T[K]["_"]["result"] };

/**
 * A user's write batch: the session check, the per-user write quota (API.md: writes 120 per user
 * per minute) and `queries`, as one atomic round trip. Over the quota the whole batch is refused
 * and nothing of it, not even its count, is written.
 *
 * It is also the write side of the user cache's protocol (user-cache.ts): the batch bumps the user's
 * `cache_version`, and the write's fence goes up in Redis in parallel with it. The batch resolves
 * only once the fence is confirmed, or, when Redis did not answer, once the database epoch is bumped
 * (in the batch itself when the breaker already said Redis was down): either way, no read that
 * starts after this returns can be served an entry computed before the write. It also remembers the
 * writer, so the user's next cached read asks PostgreSQL in parallel with Redis (it is known to miss).
 */
export async function guardedWrite<T extends readonly [BatchItem<"pg">, ...BatchItem<"pg">[]]>(
  services: Services,
  auth: AuthContext,
  queries: T,
) {
  const { db, config } = services;
  rememberWriter(auth.userId);
  const fence = fenceWrite(services, auth.userId);
  // The user row first, and exclusively: a user's writes run one after the other (each one's
  // progress recomputation sees the others' logs), and an account deletion waits for them instead
  // of deadlocking with their foreign-key checks.
  const bump = db.execute<{ version: string }>(sql`
    update users set cache_version = cache_version + 1 where id = ${auth.userId}
    returning cache_version::text as version`);
  // After the user row, in every write: one lock order, no deadlock. Visible only at commit.
  const epochBump = db.execute<{ epoch: string }>(sql`
    update cache_epoch set epoch = epoch + 1 where ${fence.redisDown} returning epoch::text as epoch`);
  const quota = db.execute(
    sql`select consume_write_quota(${auth.userId}, ${config.rateLimits.writesPerUser})`,
  );
  let bumped: Awaited<typeof bump>;
  let epochBumped: Awaited<typeof epochBump>;
  let results: unknown[];
  try {
    [bumped, epochBumped, , ...results] = await guarded(db, auth.sessionId, [
      bump,
      epochBump,
      quota,
      ...queries,
    ]);
  } catch (err) {
    // Refused by the database: nothing was written, the fence can go. (A batch that timed out may
    // still have committed: its fence stays until its deadline, and the next read repairs.)
    if (sqlState(err) !== undefined) {
      services.defer(
        fence.confirmed.then((up) => up && settleWrite(services, auth.userId, undefined, fence.token)),
      );
    }
    throw err;
  }
  const row = bumped.rows[0];
  const epoch = epochBumped.rows[0]?.epoch;
  if (epoch !== undefined) noteEpoch(epoch);
  if (await fence.confirmed) {
    services.defer(settleWrite(services, auth.userId, row ? Number(row.version) : undefined, fence.token));
  } else if (epoch === undefined && services.cache.redis) {
    await bumpEpoch(db);
  }
  return results as unknown as BatchResults<T>;
}
