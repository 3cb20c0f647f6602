import { and, eq, sql } from "drizzle-orm";
import { refreshTokens, sessions } from "../db/session-tables";
import { ApiError } from "../lib/errors";
import { uuidv7 } from "../lib/ids";
import { encodeSalt, type PasswordSalt } from "../lib/password";
import {
  ACCESS_TOKEN_TTL_SECONDS,
  type AccessIdentity,
  hashRefreshToken,
  newRefreshToken,
  REFRESH_TOKEN_TTL_SECONDS,
  sessionIdOfRefreshToken,
  signAccessToken,
} from "../lib/tokens";
import type { User } from "../routes/users/users.schemas";
import type { Services } from "../types";
import { currentSalt, emailKey } from "./password-check";
import { type ClientMeta, enforce, REFRESH_PER_SESSION_PER_MINUTE, withPerIpLimits } from "./rate-limit";
import { markSessionsRevoked } from "./revocation";
import { toUser, type UserRow } from "./users";

/**
 * Sessions: what every sign-in issues (the session row, its first refresh token, the access token),
 * and what a session then goes through (refresh with rotation and reuse detection, logout).
 */

export type AuthResult = { user: User; accessToken: string; refreshToken: string; expiresIn: number };

const invalidRefresh = () =>
  new ApiError("UNAUTHENTICATED", { detail: "The refresh token is invalid, expired or already used." });

/** A new session's id and first refresh token (stored as its hash). */
export async function newSession() {
  const sessionId = uuidv7();
  const refreshToken = newRefreshToken(sessionId);
  return { sessionId, refreshToken, tokenHash: await hashRefreshToken(refreshToken) };
}
export type NewSession = Awaited<ReturnType<typeof newSession>>;

export const SESSION_TTL = sql.raw(`interval '${REFRESH_TOKEN_TTL_SECONDS} seconds'`);

/** The user row as JSON (`users u`), the password hash left out; `fromUserJson` reads it back. */
export const USER_JSON = sql.raw(`json_build_object(
  'id', u.id, 'email', u.email, 'displayName', u.display_name, 'timezone', u.timezone,
  'dayStartHour', u.day_start_hour, 'goalCalories', u.goal_calories,
  'goalProteinG', u.goal_protein_g, 'goalCarbsG', u.goal_carbs_g, 'goalFatG', u.goal_fat_g,
  'passwordHash', '', 'createdAt', u.created_at, 'updatedAt', u.updated_at)`);
export type UserJson = Omit<UserRow, "createdAt" | "updatedAt"> & { createdAt: string; updatedAt: string };
export const fromUserJson = (row: UserJson): UserRow => ({
  ...row,
  createdAt: new Date(row.createdAt),
  updatedAt: new Date(row.updatedAt),
});

export async function issue(
  services: Services,
  user: UserRow,
  session: AccessIdentity & { refreshToken: string },
  salt: PasswordSalt,
): Promise<AuthResult> {
  const accessToken = await signAccessToken(
    { ...session, passwordSalt: encodeSalt(salt) },
    services.config.jwt,
  );
  return {
    user: toUser(user),
    accessToken,
    refreshToken: session.refreshToken,
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
  };
}

/**
 * Deletes a session a sign-in opened before it knew the password was right, once it knows it was
 * not: its tokens were never given out, so it was never a session, and the account's export and
 * session count do not show it. (Lost, it stays unusable: nobody holds its tokens.)
 */
export function discardUnverified(services: Services, sessionId: string) {
  return services.db.delete(sessions).where(eq(sessions.id, sessionId));
}

/** Ends a session nobody was given the tokens of (an answer withheld by a per-IP limit). */
export async function revokeWithheld(services: Services, sessionId: string) {
  await services.db
    .update(sessions)
    .set({ revokedAt: new Date(), revokedReason: "rate_limited" })
    .where(eq(sessions.id, sessionId));
}

/** How long after its rotation a refresh token may be presented again without ending the session. */
export const REUSE_GRACE_SECONDS = 10;
const REUSE_GRACE = sql.raw(`interval '${REUSE_GRACE_SECONDS} seconds'`);

type RefreshRow = {
  rotated: boolean;
  reused: boolean;
  limited: boolean;
  retry_after: number | null;
  user: UserJson | null;
};

/**
 * Rotates a refresh token in one statement, which also returns the user. A token presented again
 * after its rotation was copied: the statement revokes the whole session. Two parallel refreshes with
 * one token: exactly one wins, the other gets 401, and the session survives (no row lock makes the
 * loser look like a thief).
 */
export async function refresh(services: Services, presented: string, meta: ClientMeta): Promise<AuthResult> {
  const sessionId = sessionIdOfRefreshToken(presented);
  if (!sessionId) throw invalidRefresh();
  const presentedHash = await hashRefreshToken(presented);
  const rotated = await withPerIpLimits(
    services,
    meta,
    ["authPerIp"],
    () => rotate(services, sessionId, presentedHash),
    // Over the per-IP limit the rotation is taken back: the presented token stays the valid one.
    ({ nextHash }) =>
      services.db.execute(sql`
        with dropped as (delete from refresh_tokens where token_hash = ${nextHash})
        update refresh_tokens set rotated_at = null where token_hash = ${presentedHash}`),
  );
  return rotated.result;
}

async function rotate(services: Services, sessionId: string, presentedHash: string) {
  const { db, cache, defer } = services;
  const nextToken = newRefreshToken(sessionId);
  const nextHash = await hashRefreshToken(nextToken);
  // The per-session refresh limit is read from the session's own token history in the same
  // statement: exact under concurrency, no extra round trip, and a refused refresh leaves the
  // presented token usable.
  const result = await db.execute(sql`
    with recent as (
      select count(*)::int as refreshes, min(rotated_at) as oldest from refresh_tokens
      where session_id = ${sessionId} and rotated_at > now() - interval '1 minute'
    ), presented as (
      select rt.session_id, rt.rotated_at, s.user_id, s.revoked_at, s.expires_at
      from refresh_tokens rt join sessions s on s.id = rt.session_id
      where rt.token_hash = ${presentedHash} and rt.session_id = ${sessionId}
    ), rotated as (
      update refresh_tokens set rotated_at = now()
      where token_hash = ${presentedHash} and rotated_at is null
        and exists (select 1 from presented where revoked_at is null and expires_at > now())
        and (select refreshes from recent) < ${REFRESH_PER_SESSION_PER_MINUTE}
      returning session_id
    ), inserted as (
      insert into refresh_tokens (token_hash, session_id) select ${nextHash}, session_id from rotated
      returning session_id
    ), revoked as (
      -- A token seen again within the grace period of its rotation is a client racing itself (two
      -- tabs refreshing at once): refused, session kept. Later, or once its successor has been
      -- used in turn, it can only be a copy: the session ends.
      update sessions set revoked_at = now(), revoked_reason = 'refresh_token_reuse'
      where id in (
        select p.session_id from presented p
        where p.rotated_at is not null
          and (p.rotated_at < now() - ${REUSE_GRACE}
               or exists (select 1 from refresh_tokens t
                          where t.session_id = p.session_id and t.created_at >= p.rotated_at
                            and t.rotated_at is not null))
      ) and revoked_at is null
      returning id
    )
    select exists (select 1 from inserted) as rotated,
           exists (select 1 from revoked) as reused,
           (select refreshes from recent) >= ${REFRESH_PER_SESSION_PER_MINUTE} as limited,
           (select ceil(extract(epoch from oldest + interval '1 minute' - now()))::int from recent) as retry_after,
           (select ${USER_JSON}
            from users u where u.id = (select user_id from presented)) as user`);
  const row = result.rows[0] as unknown as RefreshRow | undefined;
  if (row?.reused) {
    services.logger.warn("refresh token reused; session revoked", { sessionId });
    defer(markSessionsRevoked(cache, [sessionId]));
  }
  if (row?.limited && !row.reused) {
    enforce(
      {
        allowed: false,
        limit: REFRESH_PER_SESSION_PER_MINUTE,
        remaining: 0,
        resetAt: Date.now() + Math.max(1, row.retry_after ?? 60) * 1000,
      },
      "token refreshes for this session",
    );
  }
  if (!row?.rotated || !row.user) throw invalidRefresh();
  const user = fromUserJson(row.user);
  const salt = await currentSalt(services, emailKey(user.email));
  const issued = await issue(services, user, { userId: user.id, sessionId, refreshToken: nextToken }, salt);
  return { nextHash, result: issued };
}

/** Ends a session now: its refresh token at once, its access token at the next request. */
export async function logout(services: Services, sessionId: string, meta: ClientMeta): Promise<void> {
  const { db, cache, defer } = services;
  // Over the per-IP limit the answer is 429, and the session stays ended: ending one grants nothing.
  await withPerIpLimits(services, meta, ["authPerIp"], async () => {
    await db
      .update(sessions)
      .set({ revokedAt: new Date(), revokedReason: "logout" })
      .where(and(eq(sessions.id, sessionId), sql`${sessions.revokedAt} is null`));
    defer(markSessionsRevoked(cache, [sessionId]));
  });
}

/** The session a refresh token belongs to (for logout without a valid access token). */
export async function sessionOfRefreshToken(services: Services, token: string): Promise<string | undefined> {
  const { db } = services;
  if (!sessionIdOfRefreshToken(token)) return undefined;
  const [row] = await db
    .select({ sessionId: refreshTokens.sessionId })
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, await hashRefreshToken(token)));
  return row?.sessionId;
}
