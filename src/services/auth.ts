import { and, eq, sql } from "drizzle-orm";
import { refreshTokens, sessions, users } from "../db/schema";
import { guarded, sqlState } from "../db/session-guard";
import { ApiError } from "../lib/errors";
import { uuidv7 } from "../lib/ids";
import { encodeSalt, hashPassword, isCurrentHash, type PasswordSalt, verifyPassword } from "../lib/password";
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
import type { AuthContext, Services } from "../types";
import {
  countAttempt,
  currentSalt,
  emailKey,
  refusedAttempt,
  storedHashIs,
  withPasswordOf,
} from "./password-check";
import { type ClientMeta, enforce, REFRESH_PER_SESSION_PER_MINUTE, withPerIpLimits } from "./rate-limit";
import { markSessionsRevoked } from "./revocation";
import { requireTimeZone, toUser, type UserRow } from "./users";

export type AuthResult = { user: User; accessToken: string; refreshToken: string; expiresIn: number };
export type { ClientMeta };

const invalidCredentials = () =>
  new ApiError("UNAUTHENTICATED", { detail: "The email or password is not correct." });
const invalidRefresh = () =>
  new ApiError("UNAUTHENTICATED", { detail: "The refresh token is invalid, expired or already used." });

/** A new session's id and first refresh token (stored as its hash). */
async function newSession() {
  const sessionId = uuidv7();
  const refreshToken = newRefreshToken(sessionId);
  return { sessionId, refreshToken, tokenHash: await hashRefreshToken(refreshToken) };
}
type NewSession = Awaited<ReturnType<typeof newSession>>;

const SESSION_TTL = sql.raw(`interval '${REFRESH_TOKEN_TTL_SECONDS} seconds'`);

/** The user row as JSON (`users u`), the password hash left out; `fromUserJson` reads it back. */
const USER_JSON = sql.raw(`json_build_object(
  'id', u.id, 'email', u.email, 'displayName', u.display_name, 'timezone', u.timezone,
  'dayStartHour', u.day_start_hour, 'goalCalories', u.goal_calories,
  'goalProteinG', u.goal_protein_g, 'goalCarbsG', u.goal_carbs_g, 'goalFatG', u.goal_fat_g,
  'passwordHash', '', 'createdAt', u.created_at, 'updatedAt', u.updated_at)`);
type UserJson = Omit<UserRow, "createdAt" | "updatedAt"> & { createdAt: string; updatedAt: string };
const fromUserJson = (row: UserJson): UserRow => ({
  ...row,
  createdAt: new Date(row.createdAt),
  updatedAt: new Date(row.updatedAt),
});

async function issue(
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

/** Ends a session nobody was given the tokens of (an answer withheld by a per-IP limit). */
async function revokeWithheld(services: Services, sessionId: string) {
  await services.db
    .update(sessions)
    .set({ revokedAt: new Date(), revokedReason: "rate_limited" })
    .where(eq(sessions.id, sessionId));
}

export type SignupInput = { email: string; password: string; displayName: string; timezone: string };

/** Creates the account and its first session in one atomic round trip. */
export async function signup(services: Services, input: SignupInput, meta: ClientMeta): Promise<AuthResult> {
  const { db } = services;
  const timezone = requireTimeZone(input.timezone);
  const email = input.email.trim();
  const userId = uuidv7();
  const create = async () => {
    const salt = await currentSalt(services, emailKey(email));
    const [passwordHash, session] = await Promise.all([hashPassword(input.password, salt), newSession()]);
    const [[user]] = await db
      .batch([
        db
          .insert(users)
          .values({ id: userId, email, displayName: input.displayName, timezone, passwordHash })
          .returning(),
        db.insert(sessions).values({
          id: session.sessionId,
          userId,
          expiresAt: new Date(Date.now() + REFRESH_TOKEN_TTL_SECONDS * 1000),
        }),
        db.insert(refreshTokens).values({ tokenHash: session.tokenHash, sessionId: session.sessionId }),
      ])
      .catch((err: unknown) => {
        if (sqlState(err) === "23505") {
          throw new ApiError("CONFLICT", { detail: "An account with this email already exists." });
        }
        throw err;
      });
    return issue(services, user!, { userId, ...session }, salt);
  };
  // Over a per-IP limit the account is removed again before the 429: the email stays free.
  return withPerIpLimits(services, meta, ["signupsPerIp", "authPerIp"], create, () =>
    db.delete(users).where(eq(users.id, userId)),
  );
}

export type LoginInput = { email: string; password: string };

type Opened = { user: UserJson | null; stored: string | null };

/**
 * One atomic round trip: counts the attempt against the email (`countAttempt`, 429 over the
 * limit), and if the stored hash equals `expected`, opens the session, clears the count and (with
 * `replaceWith`) replaces the hash. Otherwise it returns the stored hash (null: no such account).
 */
async function openSession(
  services: Services,
  key: string,
  session: NewSession,
  expected: string,
  options: { count: boolean; replaceWith?: string },
): Promise<Opened> {
  const { db } = services;
  const [, opened] = await db
    .batch([
      db.execute(sql`select ${countAttempt(services, key)} where ${options.count}`),
      db.execute(sql`
        with matched as (
          select * from users where lower(email) = ${key} and ${storedHashIs(expected)}
        ), opened as (
          insert into sessions (id, user_id, expires_at)
          select ${session.sessionId}, id, now() + ${SESSION_TTL} from matched
          returning id
        ), token as (
          insert into refresh_tokens (token_hash, session_id) select ${session.tokenHash}, id from opened
        ), upgraded as (
          update users set password_hash = ${options.replaceWith ?? null}
          where ${options.replaceWith !== undefined} and id in (select id from matched)
        ), cleared as (
          delete from login_failures where email_key = ${key} and exists (select 1 from opened)
        )
        select (select ${USER_JSON} from matched u) as user,
               (select password_hash from users
                where lower(email) = ${key} and not exists (select 1 from matched)) as stored`),
    ])
    .catch((err: unknown) => refusedAttempt(services, err));
  return opened.rows[0] as unknown as Opened;
}

/**
 * One round trip: the password is hashed with the account's keyed salt before the database is
 * asked, and the statement that counts the attempt compares it and opens the session. An account
 * whose hash predates the keyed salt (or the current salt key) takes a second round trip once: its
 * hash is verified the old way, then replaced. Unknown email, wrong password and older hash: two
 * PBKDF2 each and the same 401. Every attempt is counted against the email before the password is
 * compared, in the same transaction, so parallel guesses cannot outrun the limit; a successful
 * sign-in clears the count.
 */
async function signIn(services: Services, input: LoginInput) {
  const key = emailKey(input.email);
  const salt = await currentSalt(services, key);
  const [candidate, session] = await Promise.all([hashPassword(input.password, salt), newSession()]);
  let opened = await openSession(services, key, session, candidate, { count: true });
  if (!opened.user) {
    const older = opened.stored !== null && !isCurrentHash(opened.stored, salt) ? opened.stored : undefined;
    // The second PBKDF2 of every failure: no timing tells an unknown email from an older hash.
    if (!(await verifyPassword(input.password, older)) || !older) throw invalidCredentials();
    opened = await openSession(services, key, session, older, { count: false, replaceWith: candidate });
    if (!opened.user) throw invalidCredentials();
  }
  const user = fromUserJson(opened.user);
  return { session, result: await issue(services, user, { userId: user.id, ...session }, salt) };
}

/** Signs in. Over the per-IP limit the new session is ended before the 429 (nobody got its tokens). */
export async function login(services: Services, input: LoginInput, meta: ClientMeta): Promise<AuthResult> {
  const signedIn = await withPerIpLimits(
    services,
    meta,
    ["authPerIp"],
    () => signIn(services, input),
    ({ session }) => revokeWithheld(services, session.sessionId),
  );
  return signedIn.result;
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

export type PasswordChange = { currentPassword: string; newPassword: string };

/**
 * Changes the password and ends every other session of the user, in one round trip when the access
 * token carries the current salt (see password-check.ts). Over the per-IP limit the answer is 429
 * even when the change was made: it took the current password, and guesses on this route count
 * against the account's failed sign-ins in the same batch.
 */
export async function changePassword(
  services: Services,
  auth: AuthContext,
  input: PasswordChange,
  meta: ClientMeta,
) {
  const { db, cache, defer } = services;
  const change = () =>
    withPasswordOf(
      services,
      auth,
      input.currentPassword,
      "The current password is not correct.",
      async (expected, salt, count) => {
        const replacement = await hashPassword(input.newPassword, salt);
        const [, changed] = await guarded(db, auth.sessionId, [
          db.execute(sql`
            select ${countAttempt(services, sql`lower(email)`)} from users where id = ${auth.userId} and ${count}`),
          db.execute(sql`
            with changed as (
              update users set password_hash = ${replacement}, updated_at = now()
              where id = ${auth.userId} and ${storedHashIs(expected)}
              returning id, lower(email) as email_key
            ), ended as (
              update sessions set revoked_at = now(), revoked_reason = 'password_change'
              where user_id in (select id from changed) and id <> ${auth.sessionId} and revoked_at is null
              returning id
            ), cleared as (
              delete from login_failures where email_key in (select email_key from changed)
            )
            select exists (select 1 from changed) as done,
                   array(select id::text from ended) as ended,
                   (select password_hash from users
                    where id = ${auth.userId} and not exists (select 1 from changed)) as stored`),
        ]).catch((err: unknown) => refusedAttempt(services, err));
        const row = changed.rows[0] as { done: boolean; ended: string[]; stored: string | null };
        return row.done ? { done: true, value: row.ended } : { done: false, stored: row.stored };
      },
    );
  const ended = await withPerIpLimits(services, meta, ["authPerIp"], change);
  defer(markSessionsRevoked(cache, ended));
}
