import { Ratelimit } from "@upstash/ratelimit";
import type { Config } from "../config";
import { ApiError } from "../lib/errors";
import type { Cache } from "./cache";

type Duration = `${number} ${"s" | "m" | "h"}`;
type Rule = { tokens: number; window: Duration; windowSeconds: number };

// Three limits are not here, as they are counted by PostgreSQL in the same batch as the work they
// limit: the per-user write quota (writes.ts), refreshes per session (auth.ts refresh()) and failed
// sign-ins per email (password-check.ts).
export type LimitName = "authPerIp" | "signupsPerIp";

/** Refreshes one session may make per minute: a client refreshes every 15 min, so 10 is generous. */
export const REFRESH_PER_SESSION_PER_MINUTE = 10;

/** The window of the failed sign-ins limit (API.md: 10 per email per 15 minutes). */
export const LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60;

function rules(config: Config): Record<LimitName, Rule> {
  const limits = config.rateLimits;
  return {
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

/** What the per-IP limits key on: the client's address (`cf-connecting-ip`), when known. */
export type ClientMeta = { ip: string | undefined };

type PerIpServices = { config: Config; rateLimits: RateLimits };

/**
 * Runs `work` while the per-IP limits `names` are counted in parallel, so no auth route waits for
 * Redis before its database work. When a limit says no, the answer is withheld: `undo` takes back
 * what `work` granted (a session, an account, a token rotation) and the caller gets 429 whatever
 * `work` answered, so an address over its limit learns nothing from its attempt. Fails open (as the
 * limits do) when Redis is unavailable.
 */
export async function withPerIpLimits<T>(
  services: PerIpServices,
  meta: ClientMeta,
  names: LimitName[],
  work: () => Promise<T>,
  undo?: (granted: T) => Promise<unknown>,
): Promise<T> {
  const { config, rateLimits } = services;
  const ip = config.rateLimits.perIpEnabled ? meta.ip : undefined;
  if (!ip) return work();
  const verdicts = Promise.all(names.map((name) => rateLimits.consume(name, ip)));
  const outcome = await work().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const refused = (await verdicts).find((state) => !state.allowed);
  if (refused) {
    if (outcome.ok && undo) await undo(outcome.value);
    enforce(refused, "requests from this address");
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}
