import { ACCESS_TOKEN_TTL_SECONDS } from "../lib/tokens";
import type { Cache } from "./cache";

const key = (sessionId: string) => `revoked:session:${sessionId}`;

/**
 * Remembers ended sessions in Redis for as long as their access tokens can live, for the reads that
 * are answered from the cache without a database round trip. Every database round trip checks the
 * session itself (`guarded`), so this mark is only needed where the database is not asked.
 */
export function markSessionsRevoked(cache: Cache, sessionIds: readonly string[]): Promise<void> {
  if (sessionIds.length === 0) return Promise.resolve();
  return cache.attempt(async (redis) => {
    const pipeline = redis.pipeline();
    for (const id of sessionIds) pipeline.set(key(id), 1, { ex: ACCESS_TOKEN_TTL_SECONDS });
    await pipeline.exec();
  }, undefined);
}

/** The key to read alongside a cached value (one pipelined Redis round trip for both). */
export const revokedSessionKey = key;
