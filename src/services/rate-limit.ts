import { Ratelimit } from "@upstash/ratelimit";
import type { Config } from "../config";
import { ApiError } from "../lib/errors";
import type { Cache } from "./cache";

type Duration = `${number} ${"s" | "m" | "h"}`;
type Rule = { tokens: number; window: Duration; windowSeconds: number };

// Two limits are not here, as they are counted by PostgreSQL in the same statement as the work
// they limit: the per-user write quota (writes.ts) and refreshes per session (auth.ts refresh()).
export type LimitName = "loginFailures" | "authPerIp" | "signupsPerIp";

/** Refreshes one session may make per minute: a client refreshes every 15 min, so 10 is generous. */
export const REFRESH_PER_SESSION_PER_MINUTE = 10;

function rules(config: Config): Record<LimitName, Rule> {
  const limits = config.rateLimits;
  return {
    loginFailures: { tokens: limits.loginFailuresPerEmail, window: "15 m", windowSeconds: 900 },
    authPerIp: { tokens: limits.authPerIp, window: "1 m", windowSeconds: 60 },
    signupsPerIp: { tokens: limits.signupsPerIp, window: "1 h", windowSeconds: 3600 },
  };
}

export type LimitState = { allowed: boolean; limit: number; remaining: number; resetAt: number };

/**
 * Sliding-window rate limits in Upstash (`@upstash/ratelimit`). They fail open: with Redis absent,
 * slow or failing, every call is allowed (the cache's outage tracker logs it once).
 */
export function createRateLimits(cache: Cache, config: Config) {
  const table = rules(config);
  const limiters = new Map<LimitName, Ratelimit>();
  const limiter = (name: LimitName, redis: NonNullable<Cache["redis"]>) => {
    let existing = limiters.get(name);
    if (!existing) {
      const rule = table[name];
      existing = new Ratelimit({
        redis,
        limiter: Ratelimit.slidingWindow(rule.tokens, rule.window),
        prefix: `rl:${name}`,
        timeout: config.timeouts.cacheMs,
        ephemeralCache: false,
        analytics: false,
      });
      limiters.set(name, existing);
    }
    return existing;
  };
  const open = (name: LimitName): LimitState => ({
    allowed: true,
    limit: table[name].tokens,
    remaining: table[name].tokens,
    resetAt: Date.now() + table[name].windowSeconds * 1000,
  });

  return {
    /** Counts one hit against `key` and says whether it is within the limit. */
    consume(name: LimitName, key: string): Promise<LimitState> {
      return cache.attempt(async (redis) => {
        const result = await limiter(name, redis).limit(key);
        if (result.reason === "timeout") throw new Error("rate limit timed out");
        return {
          allowed: result.success,
          limit: result.limit,
          remaining: result.remaining,
          resetAt: result.reset,
        };
      }, open(name));
    },
    /**
     * Forgets `key`'s hits. Deletes the two window keys the sliding window reads
     * (`<prefix>:<key>:<window>`, as @upstash/ratelimit names them) instead of its SCAN-based
     * resetUsedTokens: one DEL, and it works on every Redis the local stack can stand in with.
     */
    reset(name: LimitName, key: string): Promise<void> {
      const windowMs = table[name].windowSeconds * 1000;
      const current = Math.floor(Date.now() / windowMs);
      const base = `rl:${name}:${key}`;
      return cache.attempt(async (redis) => {
        await redis.del(`${base}:${current}`, `${base}:${current - 1}`);
      }, undefined);
    },
  };
}

export type RateLimits = ReturnType<typeof createRateLimits>;

/** Throws 429 problem+json with Retry-After and RateLimit-* headers when `state` is over its limit. */
export function enforce(state: LimitState, what: string): void {
  if (state.allowed) return;
  const resetSeconds = Math.max(1, Math.ceil((state.resetAt - Date.now()) / 1000));
  throw new ApiError("RATE_LIMITED", {
    detail: `Too many ${what}. Try again in ${resetSeconds} s.`,
    headers: {
      "Retry-After": String(resetSeconds),
      "RateLimit-Limit": String(state.limit),
      "RateLimit-Remaining": String(Math.max(0, state.remaining)),
      "RateLimit-Reset": String(resetSeconds),
    },
  });
}
