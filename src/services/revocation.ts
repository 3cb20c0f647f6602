import type { Redis } from "@upstash/redis/cloudflare";
import { ACCESS_TOKEN_TTL_SECONDS } from "../lib/tokens";
import { afterRedisRecovery, type Cache } from "./cache";

const key = (sessionId: string) => `revoked:session:${sessionId}`;

/**
 * Ended sessions whose Redis mark could not be written (Redis was failing). This isolate refuses
 * them on cached reads at once, and writes their marks as soon as Redis answers again; the cache's
 * recovery also moves every per-user cache to a new epoch, so no other isolate serves an entry
 * filled before the outage.
 */
const pending = new Set<string>();
const PENDING_MAX = 10_000;

/**
 * Remembers ended sessions in Redis for as long as their access tokens can live, for the reads that
 * are answered from the cache without a database round trip. Every database round trip checks the
 * session itself (`guarded`), so this mark is only needed where the database is not asked.
 */
export async function markSessionsRevoked(cache: Cache, sessionIds: readonly string[]): Promise<void> {
  if (sessionIds.length === 0) return;
  const written = await cache.attempt(async (redis) => {
    await writeMarks(redis, sessionIds);
    return true;
  }, false);
  if (!written && cache.redis) {
    for (const id of sessionIds) if (pending.size < PENDING_MAX) pending.add(id);
  }
}

async function writeMarks(redis: Redis, sessionIds: readonly string[]) {
  const pipeline = redis.pipeline();
  for (const id of sessionIds) pipeline.set(key(id), 1, { ex: ACCESS_TOKEN_TTL_SECONDS });
  await pipeline.exec();
}

/** True when this isolate ended the session but could not tell Redis yet. */
export const isRevocationPending = (sessionId: string) => pending.has(sessionId);

/** Writes the marks Redis missed while it was failing, as soon as it answers again. */
afterRedisRecovery(async (redis) => {
  if (pending.size === 0) return;
  const ids = [...pending];
  await writeMarks(redis, ids);
  for (const id of ids) pending.delete(id);
});

/** The key to read alongside a cached value (one pipelined Redis round trip for both). */
export const revokedSessionKey = key;
