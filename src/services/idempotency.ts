import { and, eq, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { constraintOf, sqlState } from "../db/errors";
import { idempotencyKeys } from "../db/schema";
import { sha256Hex } from "../lib/encoding";
import { ApiError } from "../lib/errors";
import type { AuthContext, Services } from "../types";
import { type BatchResults, guardedWrite } from "./writes";

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
async function claimFor(
  userId: string,
  key: string | undefined,
  body: unknown,
  scope = "",
): Promise<IdempotencyClaim> {
  if (!key) return { userId, key: null, requestHash: null };
  return { userId, key, requestHash: await sha256Hex(`${scope}${stableJson(body)}`) };
}

/** Frees the user's key when its 24 h are over, so the statement after it may claim it anew. */
const dropExpiredKey = (db: Database, claim: IdempotencyClaim) =>
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

type ClaimRow<T> = {
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
const claimOrReplay = <T>(db: Database, claim: IdempotencyClaim, insert: SQL, storedBody: SQL) =>
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
function settleClaim<T>(row: ClaimRow<T> | undefined, claim: IdempotencyClaim): T | Replay {
  if (row?.outcome === "created" && row.result !== null) return row.result;
  if (row?.outcome === "existing") return replayOrConflict(row.request_hash, row.body, claim);
  throw new ApiError("UNAUTHENTICATED", { detail: "This account no longer exists." });
}

/** Another request with the same key committed between our snapshot and our claim. */
const lostKeyRace = (err: unknown, claim: IdempotencyClaim) =>
  claim.key !== null && sqlState(err) === "23505" && constraintOf(err) === "idempotency_keys_user_id_key_pk";

/** The answer of the request that won the race for the key (one more round trip, rare). */
async function replayWinner(db: Database, claim: IdempotencyClaim): Promise<Replay> {
  const [row] = await db
    .select({ requestHash: idempotencyKeys.requestHash, body: idempotencyKeys.responseBody })
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, claim.userId), eq(idempotencyKeys.key, claim.key ?? "")));
  if (!row) throw new ApiError("CONFLICT", { detail: "A request with this Idempotency-Key is in progress." });
  return replayOrConflict(row.requestHash, row.body, claim);
}

const isReplay = (value: unknown): value is Replay =>
  typeof value === "object" && value !== null && (value as { replayed?: unknown }).replayed === true;

/** See `IdempotentCreate.rewrite`. */
const rewriteStoredBody = (db: Database, claim: IdempotencyClaim, { ours, body }: StoredBodyRewrite) =>
  db.execute(sql`
    update idempotency_keys set response_body = ${body}
    where ${claim.key}::text is not null and user_id = ${claim.userId} and key = ${claim.key} and ${ours}`);

/**
 * The stored answer rewritten after `after` ran, in the same batch: `body` (an expression that may
 * read `response_body`) replaces it where `ours` (a condition on `response_body`) says this request
 * wrote it (a replay's stored answer stays as it was).
 */
export type StoredBodyRewrite = { ours: SQL; body: SQL };

/** What a create brings to `createIdempotently`; `T` is its insert's `result`. */
export type IdempotentCreate<T, Extra extends readonly BatchItem<"pg">[], R> = {
  /** The request's `Idempotency-Key`, the body it hashes and the route's scope (see claimFor). */
  key: string | undefined;
  body: unknown;
  scope?: string;
  /** The insert: guarded by `notReplayed`, returning a `result` column. */
  insert: SQL;
  /** The answer kept for replays: an expression over `result`. */
  storedBody: SQL;
  /** The statements that follow the claim in the same batch (they run on a replay too). */
  after: () => Extra;
  /** What the stored answer becomes once `after` ran (only with a key: without one nothing is stored). */
  rewrite?: StoredBodyRewrite;
  /** The response of the request that created, from `result` and what `after` returned. */
  present: (result: T, after: BatchResults<Extra>) => R | Promise<R>;
  /** A replayed answer's body as the response shows it (default: as stored). */
  presentReplay?: (body: unknown) => unknown;
};

/**
 * An idempotent create in one round trip: the claim (an expired key dropped, then the stored answer or
 * the insert) and `after` in one `guardedWrite` batch; then the new thing, the replay or 409. A
 * request that lost the race for its key to a concurrent one answers the winner's reply instead.
 */
// `| []`: what `after` returns is inferred as a tuple, so `present` reads each statement's own result.
export async function createIdempotently<T, Extra extends readonly BatchItem<"pg">[] | [], R>(
  services: Services,
  auth: AuthContext,
  create: IdempotentCreate<T, Extra, R>,
): Promise<R | Replay> {
  const { db } = services;
  const claim = await claimFor(auth.userId, create.key, create.body, create.scope);
  const shown = (replay: Replay): Replay =>
    create.presentReplay ? { ...replay, body: create.presentReplay(replay.body) } : replay;
  try {
    const claiming = claimOrReplay<T>(db, claim, create.insert, create.storedBody);
    const following = create.after();
    // Without a key nothing is stored: no key to free, no answer to rewrite (two statements fewer).
    const results =
      claim.key === null
        ? await guardedWrite(services, auth, [claiming, ...following])
        : (
            await guardedWrite(services, auth, [
              dropExpiredKey(db, claim),
              claiming,
              ...following,
              ...(create.rewrite ? [rewriteStoredBody(db, claim, create.rewrite)] : []),
            ])
          ).slice(1);
    const [created, ...after] = results as BatchResults<[typeof claiming, ...Extra]>;
    const outcome = settleClaim(created.rows[0], claim);
    return isReplay(outcome) ? shown(outcome) : await create.present(outcome, after);
  } catch (err) {
    if (lostKeyRace(err, claim)) return shown(await replayWinner(db, claim));
    throw err;
  }
}
