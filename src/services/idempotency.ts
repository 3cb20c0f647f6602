import { and, eq, type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { constraintOf, sqlState } from "../db/errors";
import { idempotencyKeys } from "../db/schema";
import { sha256Hex } from "../lib/encoding";
import { ApiError } from "../lib/errors";

/**
 * `Idempotency-Key` for the writes that create things (API.md: same key and body within 24 h →
 * the first response, nothing new; same key with another body → 409; scoped per user). Keys live
 * in `idempotency_keys`, one per (user, key) whatever the route, so a key reused on another route
 * is another body: 409. The claim, the write and the stored reply ride in the write's own batch.
 */
export type IdempotencyClaim = { userId: string; key: string | null; requestHash: string | null };

export type Replay = { status: number; body: unknown; replayed: true };

const stableJson = (value: unknown): string =>
  JSON.stringify(value, (_key, inner) =>
    inner && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );

/**
 * The claim of one request. `scope` tells routes apart (empty for `POST /v1/logs`, whose hashes
 * predate it); key order in the body does not matter.
 */
export async function claimFor(
  userId: string,
  key: string | undefined,
  body: unknown,
  scope = "",
): Promise<IdempotencyClaim> {
  if (!key) return { userId, key: null, requestHash: null };
  return { userId, key, requestHash: await sha256Hex(`${scope}${stableJson(body)}`) };
}

/** Frees the user's key when its 24 h are over, so the statement after it may claim it anew. */
export const dropExpiredKey = (db: Database, claim: IdempotencyClaim) =>
  db
    .delete(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.userId, claim.userId),
        eq(idempotencyKeys.key, claim.key ?? ""),
        sql`${idempotencyKeys.expiresAt} <= now()`,
      ),
    );

/** The condition an idempotent insert carries: no stored answer for this key. */
export const notReplayed = sql`not exists (select 1 from existing)`;

export type ClaimRow<T> = {
  outcome: "created" | "existing";
  result: T | null;
  request_hash: string | null;
  body: unknown;
};

/**
 * One statement: the stored answer of (user, key) when there is one; else `insert` (guarded by
 * `notReplayed`, returning a `result` column) runs and `storedBody` (an expression over `result`)
 * is kept for 24 h as the answer to replay.
 */
export const claimOrReplay = <T>(db: Database, claim: IdempotencyClaim, insert: SQL, storedBody: SQL) =>
  db.execute<ClaimRow<T>>(sql`
    with existing as (
      select request_hash, response_body from idempotency_keys
      where ${claim.key}::text is not null and user_id = ${claim.userId} and key = ${claim.key}
    ), inserted as (${insert}), stored as (
      insert into idempotency_keys (user_id, key, request_hash, response_status, response_body, expires_at)
      select ${claim.userId}, ${claim.key}, ${claim.requestHash}, 201, ${storedBody}, now() + interval '24 hours'
      from inserted where ${claim.key}::text is not null
    )
    select 'created' as outcome, result, null as request_hash, null::jsonb as body from inserted
    union all
    select 'existing', null, request_hash, response_body from existing`);

/** Same body: the stored answer again. Another body under the same key: 409. */
function replayOrConflict(storedHash: string | null, body: unknown, claim: IdempotencyClaim): Replay {
  if (storedHash !== claim.requestHash) {
    throw new ApiError("CONFLICT", {
      detail: "This Idempotency-Key was already used with a different request body.",
    });
  }
  return { status: 201, body, replayed: true };
}

/** What `claimOrReplay` said: the new `result`, or the replay (or 409). */
export function settleClaim<T>(row: ClaimRow<T> | undefined, claim: IdempotencyClaim): T | Replay {
  if (row?.outcome === "created" && row.result !== null) return row.result;
  if (row?.outcome === "existing") return replayOrConflict(row.request_hash, row.body, claim);
  throw new ApiError("UNAUTHENTICATED", { detail: "This account no longer exists." });
}

/** Another request with the same key committed between our snapshot and our claim. */
export const lostKeyRace = (err: unknown, claim: IdempotencyClaim) =>
  claim.key !== null && sqlState(err) === "23505" && constraintOf(err) === "idempotency_keys_user_id_key_pk";

/** The answer of the request that won the race for the key (one more round trip, rare). */
export async function replayWinner(db: Database, claim: IdempotencyClaim): Promise<Replay> {
  const [row] = await db
    .select({ requestHash: idempotencyKeys.requestHash, body: idempotencyKeys.responseBody })
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, claim.userId), eq(idempotencyKeys.key, claim.key ?? "")));
  if (!row) throw new ApiError("CONFLICT", { detail: "A request with this Idempotency-Key is in progress." });
  return replayOrConflict(row.requestHash, row.body, claim);
}

export const isReplay = (value: unknown): value is Replay =>
  typeof value === "object" && value !== null && (value as { replayed?: unknown }).replayed === true;
