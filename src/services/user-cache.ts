import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { lockUsers } from "../db/locks";
import { sessionEnded } from "../lib/errors";
import type { AuthContext, Services } from "../types";
import { redisBreaker } from "./cache";
import { isRevocationPending, revokedSessionKey } from "./revocation";
import { databaseEpoch, type EpochRead, type LoadBatch, loadBatch } from "./user-cache-epoch";
import { expectMiss, forgetWriters, noteReread } from "./user-cache-hints";
import { FENCE, PUSH_EPOCH, READ, SETTLE, STORE } from "./user-cache-scripts";

export { rememberWriter } from "./user-cache-hints";

/**
 * Per-user read cache (summaries, stats, badges) that never serves data older than the user's last
 * acknowledged write, in one Redis round trip per warm read and no database. PostgreSQL is the source
 * of every version: README.md "Caches that are never stale" states the protocol and why no fault breaks it. In short:
 *
 * - every write batch bumps `users.cache_version` and returns it (writes.ts); before the write is
 *   acknowledged, Redis holds a fence for it (`fenceWrite`, in parallel with the batch), and after it,
 *   the version is raised in Redis and the fence removed (`settleWrite`, after the response);
 * - a value is read in the same statement as the version, and stored tagged with it; an entry is
 *   served only at the version Redis knows, with no fence, in the current epoch;
 * - a write whose fence Redis did not confirm bumps the database's `cache_epoch` before it is
 *   acknowledged; an isolate checks that epoch against Redis's before it trusts Redis again (when it
 *   starts, after every outage it saw), and pushes it there, which retires every older entry.
 */
const ENTRY_TTL_SECONDS = 600;
/** Longer than any entry stored with it lives: an entry never outlives the version it was tagged with. */
const VERSION_TTL_SECONDS = 700;
/** A fill that lands in Redis later than this after its read began is dropped. */
const FILL_MAX_MS = 10_000;
/** Bigger values are not cached (an Upstash request is at most 10 MB). */
const ENTRY_MAX_CHARS = 1_000_000;
/** How long a fence outlives its write's database deadline: margin for clocks and the proxy. */
const FENCE_MARGIN_MS = 30_000;

const USER_CACHE_EPOCH_KEY = "uc:epoch";

const userCacheKeys = (userId: string) => ({
  version: `uc:${userId}:version`,
  fences: `uc:${userId}:fences`,
  // Per session, so an ended session can never read what another of the user's sessions cached.
  entry: (name: string, sessionId: string) => `uc:${userId}:${name}:${sessionId}`,
});

/** A value and the `users.cache_version` it was computed at, read by the same SQL statement. */
export type Versioned<T> = { value: T; version: number };

/**
 * How often a trusting isolate re-reads the database epoch anyway, in the background: it bounds how
 * long an isolate that saw no outage trusts Redis after another isolate's write could not reach it.
 */
const EPOCH_RECHECK_MS = 10_000;

/** The database epoch this isolate last checked Redis against, when, and after how many outages. */
let verified: { epoch: number; recoveries: number; at: number } | undefined;

/** Test seam: forget what this isolate checked, as a recycled isolate would. */
export function forgetUserCacheChecks() {
  verified = undefined;
  forgetWriters();
}

const needsEpochCheck = () => verified === undefined || verified.recoveries !== redisBreaker.recoveries;

const epochNumber = (epoch: string) => Number.parseInt(epoch, 10) || 0;

/**
 * Whether Redis's epoch (as READ answered) is the database's as this isolate last read it. If not,
 * Redis has not heard of a write that could not reach it: the database's is pushed there, which
 * retires every entry, and none is served.
 */
function epochAgrees(services: Pick<Services, "cache" | "defer">, answer: ReadAnswer): boolean {
  if (verified !== undefined && epochNumber(String(answer[1])) === verified.epoch) return true;
  if (verified) pushEpoch(services, verified.epoch);
  return false;
}

function pushEpoch(services: Pick<Services, "cache" | "defer">, epoch: number) {
  services.defer(
    services.cache.attempt(
      (redis) => redis.eval(PUSH_EPOCH, [USER_CACHE_EPOCH_KEY], [epoch, crypto.randomUUID()]),
      null,
    ),
  );
}

type ReadAnswer = [
  revoked: number,
  epoch: string | number,
  version: string | number,
  now: number,
  fences: number,
  value: unknown,
];

/**
 * `name` for the user from the cache when warm (no database), else from `load` (one database round
 * trip, which also reads the database epoch), filling the cache after the response when that is safe.
 * When the miss is certain (right after the user's write) or Redis must first be checked against the
 * database epoch, both are asked at once.
 */
export async function readThrough<T>(
  services: Services,
  auth: AuthContext,
  name: string,
  load: (batch: LoadBatch) => Promise<Versioned<T>>,
): Promise<T> {
  const { cache, db, defer } = services;
  if (isRevocationPending(auth.sessionId)) throw sessionEnded();
  const mustCheck = cache.redis !== undefined && needsEpochCheck();
  const recoveriesAtCheck = redisBreaker.recoveries;
  let epochRead: EpochRead | undefined;
  const batch = loadBatch(services, auth, (read) => {
    epochRead = read;
  });
  const speculative =
    mustCheck || expectMiss(auth.userId, name, ENTRY_TTL_SECONDS * 1000) ? load(batch) : undefined;
  // Handled here too: if the cache answers first and the load fails, that failure is not unhandled.
  speculative?.catch(() => {});

  const k = userCacheKeys(auth.userId);
  const entryKey = k.entry(name, auth.sessionId);
  const answer = await cache.attempt(
    (redis) =>
      redis.eval<string[], ReadAnswer>(
        READ,
        [revokedSessionKey(auth.sessionId), k.version, k.fences, entryKey, USER_CACHE_EPOCH_KEY],
        [`${verified?.epoch ?? 0}:${crypto.randomUUID()}`],
      ),
    undefined,
  );
  if (answer?.[0] === 1) throw sessionEnded();

  // An isolate that must check the epoch first (new, or Redis just came back) waits for its load,
  // which read the epoch in the same batch: nothing from Redis is trusted before that.
  if (answer && mustCheck) {
    await speculative;
    if (epochRead) verified = { epoch: epochRead.epoch, recoveries: recoveriesAtCheck, at: epochRead.at };
  }
  let usable = answer !== undefined && epochAgrees(services, answer);
  if (answer && usable && answer[5] !== null && answer[5] !== false) {
    if (verified && Date.now() - verified.at > EPOCH_RECHECK_MS) {
      // Only warm reads here for a while (every miss reads the epoch in its own batch): read it on
      // its own, in the background. README "Caches that are never stale": this bounds the one case left.
      verified.at = Date.now();
      defer(databaseEpoch(db).then(noteEpoch, () => {}));
    }
    return answer[5] as T;
  }

  const fresh = await (speculative ?? load(batch));
  if (answer && usable && epochRead && verified && epochRead.at >= verified.at) {
    // The miss's own batch read the epoch: its check, and the fill's, at no extra round trip.
    verified = { ...verified, epoch: epochRead.epoch, at: epochRead.at };
    usable = epochAgrees(services, answer);
  }
  if (answer && usable) {
    const json = JSON.stringify(fresh.value);
    if (json.length <= ENTRY_MAX_CHARS) {
      defer(
        cache.attempt(
          (redis) =>
            redis.eval(
              STORE,
              [k.version, k.fences, entryKey, USER_CACHE_EPOCH_KEY],
              [
                fresh.version,
                String(answer[1]),
                answer[3],
                json,
                ENTRY_TTL_SECONDS,
                VERSION_TTL_SECONDS,
                FILL_MAX_MS,
                String(answer[2]),
              ],
            ),
          null,
        ),
      );
    }
    noteReread(auth.userId, name);
  }
  return fresh.value;
}

/**
 * A write's fence: `confirmed` resolves true once Redis holds it, false when Redis did not answer.
 * `redisDown` when the breaker already said so as the write began: its batch then bumps the epoch
 * itself (writes.ts), saving the round trip it would otherwise cost after the batch.
 */
export type Fence = { token: string; redisDown: boolean; confirmed: Promise<boolean> };

/** Puts up the write's fence in Redis, to run in parallel with its database batch. */
export function fenceWrite(services: Services, userId: string): Fence {
  const { cache, config } = services;
  const token = crypto.randomUUID();
  const redisDown = cache.redis !== undefined && redisBreaker.isOpen;
  const deadlineMs = config.timeouts.dbMs + FENCE_MARGIN_MS;
  const keepMs = deadlineMs + ENTRY_TTL_SECONDS * 1000 + FILL_MAX_MS;
  const confirmed = cache.attempt(async (redis) => {
    await redis.eval(FENCE, [userCacheKeys(userId).fences], [token, deadlineMs, keepMs]);
    return true;
  }, false);
  return { token, redisDown, confirmed };
}

/**
 * After the write's batch: raises the version Redis knows to the one it committed (none when it
 * failed) and takes its fence down. Runs after the response; if it never lands, the fence expires
 * and the next read repairs from the database (STORE), so losing it costs speed, never freshness.
 * The caller runs it through `defer`.
 */
export function settleWrite(
  services: Pick<Services, "cache">,
  userId: string,
  version: number | undefined,
  token: string | undefined,
): Promise<unknown> {
  const k = userCacheKeys(userId);
  return services.cache.attempt(
    (redis) => redis.eval(SETTLE, [k.version, k.fences], [version ?? "", token ?? "", VERSION_TTL_SECONDS]),
    null,
  );
}

/** Bumps the database epoch (one round trip): for a committed write Redis may not have heard of. */
export async function bumpEpoch(db: Database): Promise<number> {
  const result = await db.execute<{ epoch: string }>(
    sql`update cache_epoch set epoch = epoch + 1 returning epoch::text as epoch`,
  );
  return noteEpoch(result.rows[0]?.epoch);
}

/** Remembers the database epoch as just read or bumped here, so entries of any other stop being served. */
export function noteEpoch(epoch: string | number | null | undefined): number {
  const value = Number(epoch ?? 0);
  if (verified) verified = { ...verified, epoch: value };
  return value;
}

/**
 * Makes every cached entry of these users unservable, for writes made outside a user's own request
 * (the scheduled jobs), after they have committed: their versions are bumped in the database, then
 * raised in Redis; if Redis does not take them, the epoch is bumped instead.
 */
export function invalidateUserCaches(
  services: Pick<Services, "db" | "cache" | "defer">,
  userIds: readonly string[],
) {
  if (userIds.length === 0) return;
  const { db, cache } = services;
  const ids = [...userIds].sort();
  services.defer(
    (async () => {
      const bumped = await db.execute<{ id: string; version: string }>(sql`
        with locked as (${lockUsers(sql`select value::uuid from json_array_elements_text(${JSON.stringify(ids)}::json)`)})
        update users u set cache_version = u.cache_version + 1 from locked where u.id = locked.id
        returning u.id, u.cache_version::text as version`);
      let raised = true;
      // A few hundred bytes per user: chunks keep each request far below Upstash's 10 MB.
      for (let start = 0; start < bumped.rows.length; start += 1000) {
        const chunk = bumped.rows.slice(start, start + 1000);
        raised &&= await cache.attempt(async (redis) => {
          const pipeline = redis.pipeline();
          for (const row of chunk) {
            const k = userCacheKeys(row.id);
            pipeline.eval(SETTLE, [k.version, k.fences], [row.version, "", VERSION_TTL_SECONDS]);
          }
          await pipeline.exec();
          return true;
        }, false);
      }
      if (!raised) await bumpEpoch(db);
    })(),
  );
}
