import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { sqlState } from "../db/errors";
import type { AuthContext, Services } from "../types";
import { bumpEpoch, fenceWrite, noteEpoch, rememberWriter, settleWrite } from "./user-cache";

/** What a batch of `queries` answers, statement by statement. */
export type BatchResults<T extends readonly BatchItem<"pg">[]> = { [K in keyof T]: T[K]["_"]["result"] };

/**
 * A user's write batch: the session check, the per-user write quota (API.md: writes 120 per user
 * per minute) and `queries`, as one atomic round trip, opened by one statement (`begin_user_write`).
 * Over the quota the whole batch is refused and nothing of it, not even its count, is written.
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
  // One statement opens the batch (drizzle/0023 begin_user_write): the session check, the user row
  // first and exclusively (a user's writes run one after the other, each one's progress
  // recomputation seeing the others' logs, and an account deletion waits for them instead of
  // deadlocking with their foreign-key checks), the cache epoch when Redis is down, the quota.
  const opening = db.execute<{ cache_version: string | null; cache_epoch: string | null }>(sql`
    select * from begin_user_write(${auth.sessionId}, ${auth.userId},
      ${config.rateLimits.writesPerUser}, ${fence.redisDown})`);
  let opened: Awaited<typeof opening>;
  let results: unknown[];
  try {
    [opened, ...results] = await db.batch([opening, ...queries]);
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
  const version = opened.rows[0]?.cache_version ?? undefined;
  const epoch = opened.rows[0]?.cache_epoch ?? undefined;
  if (epoch !== undefined) noteEpoch(epoch);
  if (await fence.confirmed) {
    services.defer(
      settleWrite(services, auth.userId, version === undefined ? undefined : Number(version), fence.token),
    );
  } else if (epoch === undefined && services.cache.redis) {
    await bumpEpoch(db);
  }
  return results as unknown as BatchResults<T>;
}
