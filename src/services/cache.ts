import { Redis } from "@upstash/redis/cloudflare";
import type { Config } from "../config";
import { createBreaker } from "../lib/breaker";
import type { Logger } from "../lib/logger";

export type CacheStatus = "ok" | "disabled" | "unavailable";

/**
 * The Redis side of a request. Redis is never needed for correctness: every method degrades to
 * "nothing cached" when Redis is absent, failing, or skipped by the isolate's circuit breaker.
 */
export interface Cache {
  /** The Upstash client for callers that need more than key/value (rate limits, leaderboards). */
  readonly redis: Redis | undefined;
  /** Asks Redis itself, breaker or not (readiness); a success closes an open breaker. */
  ping(): Promise<CacheStatus>;
  getJson<T>(key: string): Promise<T | undefined>;
  setJson(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  /** Runs `operation` against Redis, or returns `fallback` when Redis is disabled, failing or skipped. */
  attempt<T>(operation: (redis: Redis) => Promise<T>, fallback: T): Promise<T>;
}

/**
 * One breaker per isolate (Redis is one dependency, whichever request meets it): while Redis fails,
 * requests skip it after the first failure instead of each waiting CACHE_TIMEOUT_MS.
 */
export const redisBreaker = createBreaker("redis");

/** Work to run against Redis when it answers again after an outage (registered by its owners). */
const recoveryWork: ((redis: Redis) => Promise<void>)[] = [];

/**
 * Registers `work` to run (deferred) each time Redis answers again after an outage this isolate
 * saw: e.g. the revocation marks that could not be written meanwhile (revocation.ts).
 */
export function afterRedisRecovery(work: (redis: Redis) => Promise<void>): void {
  recoveryWork.push(work);
}

export function createCache(config: Config, logger: Logger, defer: (work: Promise<unknown>) => void): Cache {
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

  async function call<T>(client: Redis, operation: (redis: Redis) => Promise<T>, fallback: T): Promise<T> {
    try {
      const result = await operation(client);
      // What the outage may have cost, e.g. revocation marks not written. (The user cache re-checks
      // its epoch against PostgreSQL by itself, from redisBreaker.recoveries.)
      if (redisBreaker.succeeded(logger)) for (const work of recoveryWork) defer(work(client));
      return result;
    } catch (err) {
      redisBreaker.failed(logger, err);
      return fallback;
    }
  }

  const attempt = <T>(operation: (client: Redis) => Promise<T>, fallback: T): Promise<T> =>
    redis && redisBreaker.allow() ? call(redis, operation, fallback) : Promise.resolve(fallback);

  return {
    redis,
    attempt,
    async ping() {
      if (!redis) return "disabled";
      return call(
        redis,
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
