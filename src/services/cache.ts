import { Redis } from "@upstash/redis/cloudflare";
import type { Config } from "../config";
import type { Logger } from "../lib/logger";
import { createOutageTracker } from "../lib/outage";
import { flushPendingRevocations } from "./revocation";

export type CacheStatus = "ok" | "disabled" | "unavailable";

/**
 * The Redis side of a request. Redis is never needed for correctness: every method degrades to
 * "nothing cached" when Redis is absent or failing, and the outage is logged once per isolate.
 */
export interface Cache {
  /** The Upstash client for callers that need more than key/value (rate limits, leaderboards). */
  readonly redis: Redis | undefined;
  ping(): Promise<CacheStatus>;
  getJson<T>(key: string): Promise<T | undefined>;
  setJson(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  /** Runs `operation` against Redis, or returns `fallback` when Redis is disabled or failing. */
  attempt<T>(operation: (redis: Redis) => Promise<T>, fallback: T): Promise<T>;
}

export const redisOutage = createOutageTracker("redis");

/** Part of every per-user cache key; bumped when Redis comes back from an outage (user-cache.ts). */
export const CACHE_EPOCH_KEY = "ucache:epoch";

export function createCache(config: Config, logger: Logger): Cache {
  const redis = config.upstash
    ? new Redis({
        url: config.upstash.url,
        token: config.upstash.token,
        // A slow Redis must not hold the request: give up fast and fall through to the database.
        retry: { retries: 0 },
        signal: () => AbortSignal.timeout(config.timeouts.cacheMs),
        // Commands issued in the same tick share one HTTP round trip (e.g. a rate limit and a cache bump).
        enableAutoPipelining: true,
        enableTelemetry: false,
      })
    : undefined;

  async function attempt<T>(operation: (client: Redis) => Promise<T>, fallback: T): Promise<T> {
    if (!redis) return fallback;
    try {
      const result = await operation(redis);
      if (redisOutage.up(logger)) {
        // What the outage may have cost: revocation marks not written, cache bumps lost.
        void Promise.all([redis.incr(CACHE_EPOCH_KEY), flushPendingRevocations(redis)]).catch((err) =>
          logger.warn("redis recovery tasks failed", { err }),
        );
      }
      return result;
    } catch (err) {
      redisOutage.down(logger, err);
      return fallback;
    }
  }

  return {
    redis,
    attempt,
    async ping() {
      if (!redis) return "disabled";
      return attempt(
        async (client) => ((await client.ping()) === "PONG" ? "ok" : "unavailable"),
        "unavailable",
      );
    },
    getJson: <T>(key: string) =>
      attempt(async (client) => (await client.get<T>(key)) ?? undefined, undefined),
    setJson: (key, value, ttlSeconds) =>
      attempt(async (client) => {
        await client.set(key, value, { ex: ttlSeconds });
      }, undefined),
  };
}
