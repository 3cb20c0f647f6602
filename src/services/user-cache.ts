import { sessionEnded } from "../lib/errors";
import type { AuthContext, Services } from "../types";
import { CACHE_EPOCH_KEY } from "./cache";
import { isRevocationPending, revokedSessionKey } from "./revocation";

/**
 * Per-user read cache (summaries, stats) that never serves data older than the user's last
 * successful write, in one Redis round trip per read:
 *
 * - a write bumps the user's version and an in-flight counter (`beginWrite`, in parallel with its
 *   database batch), then lowers the counter (`endWrite`, after the response);
 * - a read gets the session's revocation mark, the epoch and version, the counter and the entry
 *   at that stamp in one script; it fills the cache only when no write was in flight, so whatever it
 *   stores was read after the last commit.
 *
 * Entries live 10 minutes, bounding staleness if Redis lost a write's version bump in an outage.
 */
const ENTRY_TTL_SECONDS = 600;
const INFLIGHT_TTL_SECONDS = 30;

const keys = (userId: string) => ({
  version: `ucache:${userId}:version`,
  inflight: `ucache:${userId}:inflight`,
  // Per session, so an ended session can never read what another of the user's sessions cached; and
  // per epoch (CACHE_EPOCH_KEY), so nothing cached before a Redis outage is served after it.
  entry: (name: string, sessionId: string, stamp: string) => `ucache:${userId}:${name}:${sessionId}:${stamp}`,
});

const READ = `
local revoked = redis.call('EXISTS', KEYS[1])
local stamp = (redis.call('GET', KEYS[4]) or '0') .. ':' .. (redis.call('GET', KEYS[2]) or '0')
local inflight = tonumber(redis.call('GET', KEYS[3]) or '0')
local value = false
if inflight <= 0 then value = redis.call('GET', ARGV[1] .. stamp) end
return {revoked, stamp, inflight, value}`;

/**
 * Users this isolate saw write, and the entries re-read since: the next read of any other entry is
 * known to miss, so it asks PostgreSQL at the same time as Redis instead of after it (a cold read in
 * one round trip rather than two). Only a hint: correctness never depends on it, and a read that
 * lands on another isolate simply takes the ordinary path. Bounded, and forgotten after the entry TTL.
 */
const recentWriters = new Map<string, { at: number; reread: Set<string> }>();
const RECENT_WRITERS_MAX = 10_000;

function rememberWriter(userId: string) {
  recentWriters.delete(userId);
  if (recentWriters.size >= RECENT_WRITERS_MAX) {
    const oldest = recentWriters.keys().next().value;
    if (oldest !== undefined) recentWriters.delete(oldest);
  }
  recentWriters.set(userId, { at: Date.now(), reread: new Set() });
}

function expectMiss(userId: string, name: string) {
  const writer = recentWriters.get(userId);
  if (!writer) return false;
  if (Date.now() - writer.at > ENTRY_TTL_SECONDS * 1000) {
    recentWriters.delete(userId);
    return false;
  }
  return !writer.reread.has(name);
}

const BEGIN_WRITE = `
redis.call('INCR', KEYS[1])
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return 1`;

type CachedRead<T> =
  | { state: "revoked" }
  | { state: "hit"; value: T }
  | { state: "miss"; store: (value: T) => void }
  | { state: "unavailable" };

/** Looks `name` up for the user; on a miss, `store` fills it (after the response) when that is safe. */
async function readUserCache<T>(
  services: Services,
  auth: { userId: string; sessionId: string },
  name: string,
): Promise<CachedRead<T>> {
  const { cache, defer } = services;
  if (isRevocationPending(auth.sessionId)) return { state: "revoked" };
  const k = keys(auth.userId);
  const result = await cache.attempt(
    (redis) =>
      redis.eval<string[], [number, string, number, T | null]>(
        READ,
        [revokedSessionKey(auth.sessionId), k.version, k.inflight, CACHE_EPOCH_KEY],
        [k.entry(name, auth.sessionId, "")],
      ),
    undefined,
  );
  if (!result) return { state: "unavailable" };
  const [revoked, stamp, inflight, value] = result;
  if (revoked === 1) return { state: "revoked" };
  if (value !== null && value !== undefined) return { state: "hit", value };
  return {
    state: "miss",
    store: (fresh) => {
      if (inflight > 0) return;
      defer(
        cache.attempt(
          (redis) =>
            redis.set(k.entry(name, auth.sessionId, String(stamp)), fresh, { ex: ENTRY_TTL_SECONDS }),
          null,
        ),
      );
    },
  };
}

/** Starts a write: later reads bypass the cache until `endWrite`. Runs in parallel with the write's batch. */
export function beginWrite(services: Services, userId: string): Promise<unknown> {
  rememberWriter(userId);
  const k = keys(userId);
  return services.cache.attempt(
    (redis) => redis.eval(BEGIN_WRITE, [k.version, k.inflight], [INFLIGHT_TTL_SECONDS]),
    undefined,
  );
}

/** Ends a write (committed or not); runs after the response. */
export function endWrite(services: Services, userId: string): void {
  const k = keys(userId);
  services.defer(services.cache.attempt((redis) => redis.decr(k.inflight), undefined));
}

/**
 * `name` for the user from the cache when warm (no database), else from `load` (one database round
 * trip), filling the cache after the response when that is safe. Right after the user's write the
 * miss is certain, so both are asked at once.
 */
export async function readThrough<T>(
  services: Services,
  auth: AuthContext,
  name: string,
  load: () => Promise<T>,
): Promise<T> {
  const speculative = expectMiss(auth.userId, name) ? load() : undefined;
  // Handled here too: if the cache answers first and the load fails, that failure is not unhandled.
  speculative?.catch(() => {});
  const cached = await readUserCache<T>(services, auth, name);
  if (cached.state === "revoked") throw sessionEnded();
  if (cached.state === "hit") return cached.value;
  const fresh = await (speculative ?? load());
  if (cached.state === "miss") {
    cached.store(fresh);
    recentWriters.get(auth.userId)?.reread.add(name);
  }
  return fresh;
}

/**
 * Makes every cached entry of these users unreachable (a new version), for writes made outside a
 * user's own request (the scheduled jobs), after they have committed.
 */
export function invalidateUserCaches(
  services: Pick<Services, "cache" | "defer">,
  userIds: readonly string[],
) {
  if (userIds.length === 0) return;
  services.defer(
    services.cache.attempt(async (redis) => {
      const pipeline = redis.pipeline();
      for (const userId of userIds) pipeline.incr(keys(userId).version);
      await pipeline.exec();
    }, undefined),
  );
}
