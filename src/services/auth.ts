import { eq, sql } from "drizzle-orm";
import { sqlState } from "../db/errors";
import { users } from "../db/schema";
import { guarded } from "../db/session-guard";
import { refreshTokens, sessions } from "../db/session-tables";
import { ApiError } from "../lib/errors";
import { uuidv7 } from "../lib/ids";
import { hashPassword, isCurrentHash, verifyPassword } from "../lib/password";
import { REFRESH_TOKEN_TTL_SECONDS } from "../lib/tokens";
import type { AuthContext, Services } from "../types";
import {
  countAttempt,
  currentSalt,
  emailKey,
  refusedAttempt,
  storedHashIs,
  withPasswordOf,
} from "./password-check";
import { type ClientMeta, withPerIpLimits } from "./rate-limit";
import { markSessionsRevoked } from "./revocation";
import {
  type AuthResult,
  fromUserJson,
  issue,
  type NewSession,
  newSession,
  revokeWithheld,
  SESSION_TTL,
  USER_JSON,
  type UserJson,
} from "./sessions";
import { requireTimeZone } from "./users";

export type { ClientMeta };

const invalidCredentials = () =>
  new ApiError("UNAUTHENTICATED", { detail: "The email or password is not correct." });
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
