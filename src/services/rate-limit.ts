import type { Config } from "../config";
import { ApiError } from "../lib/errors";
import type { Cache } from "./cache";

type Rule = { tokens: number; windowSeconds: number };

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
    authPerIp: { tokens: limits.authPerIp, windowSeconds: 60 },
    signupsPerIp: { tokens: limits.signupsPerIp, windowSeconds: 3600 },
  };
}

export type LimitState = { allowed: boolean; limit: number; remaining: number; resetAt: number };

// A sliding window approximated from two fixed ones (the scheme of @upstash/ratelimit's
// slidingWindow, which this replaces at a tenth of its size): the hits of the current window plus
// those of the previous one weighted by how much of it the sliding window still covers. A refused
// hit is not counted. KEYS: current, previous window; ARGV: limit, weight, window in ms.
const SLIDING_WINDOW = `
local used = math.floor(tonumber(redis.call("GET", KEYS[2]) or "0") * tonumber(ARGV[2]))
  + tonumber(redis.call("GET", KEYS[1]) or "0")
if used >= tonumber(ARGV[1]) then return {0, used} end
if redis.call("INCR", KEYS[1]) == 1 then redis.call("PEXPIRE", KEYS[1], tonumber(ARGV[3]) * 2) end
return {1, used + 1}`;

/**
 * Sliding-window rate limits in Upstash, one script call (one round trip) per hit. They fail open:
 * with Redis absent, slow or failing, every call is allowed (the cache's outage tracker logs it once).
 */
export function createRateLimits(cache: Cache, config: Config) {
  const table = rules(config);
  return {
    /** Counts one hit against `key` and says whether it is within the limit. */
    consume(name: LimitName, key: string): Promise<LimitState> {
      const { tokens, windowSeconds } = table[name];
      const windowMs = windowSeconds * 1000;
      const now = Date.now();
      const index = Math.floor(now / windowMs);
      const resetAt = (index + 1) * windowMs;
      const weight = 1 - (now % windowMs) / windowMs;
      const open: LimitState = { allowed: true, limit: tokens, remaining: tokens, resetAt };
      return cache.attempt(async (redis) => {
        const [allowed, used] = await redis.eval<string[], [number, number]>(
          SLIDING_WINDOW,
          [`rl:${name}:${key}:${index}`, `rl:${name}:${key}:${index - 1}`],
          [String(tokens), String(weight), String(windowMs)],
        );
        return { allowed: allowed === 1, limit: tokens, remaining: Math.max(0, tokens - used), resetAt };
      }, open);
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
