import { eq, sql } from "drizzle-orm";
import { sqlState } from "../db/errors";
import { users } from "../db/schema";
import { guarded } from "../db/session-guard";
import { ApiError } from "../lib/errors";
import { uuidv7 } from "../lib/ids";
import { afterPendingIo, hashPassword, isCurrentHash, sameHash, verifyPassword } from "../lib/password";
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
  discardUnverified,
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
    // One statement: the account, its session and the session's first refresh token (the foreign
    // keys are checked at the end of the statement, when all three rows exist).
    const { rows } = await db
      .execute<{ user: UserJson }>(sql`
        with u as (
          insert into users (id, email, display_name, timezone, password_hash)
          values (${userId}, ${email}, ${input.displayName}, ${timezone}, ${passwordHash})
          returning *
        ), opened as (
          insert into sessions (id, user_id, expires_at)
          select ${session.sessionId}, id, now() + ${SESSION_TTL} from u
        ), token as (
          insert into refresh_tokens (token_hash, session_id) values (${session.tokenHash}, ${session.sessionId})
        )
        select ${USER_JSON} as user from u`)
      .catch((err: unknown) => {
        if (sqlState(err) === "23505") {
          throw new ApiError("CONFLICT", { detail: "An account with this email already exists." });
        }
        throw err;
      });
    const user = fromUserJson(rows[0]!.user);
    return issue(services, user, { userId, ...session }, salt);
  };
  // Over a per-IP limit the account is removed again before the 429: the email stays free.
  return withPerIpLimits(services, meta, ["signupsPerIp", "authPerIp"], create, () =>
    db.delete(users).where(eq(users.id, userId)),
  );
}

export type LoginInput = { email: string; password: string };

type Opened = { user: UserJson | null; stored: string | null; countedAt: string };

/**
 * The sign-in's one statement, sent before the password is hashed (see `signIn`): counts the
 * attempt against the email (`countAttempt`, 429 over the limit) and, if the account exists, opens
 * the session and returns the account with its stored hash. Nobody holds the session's tokens until
 * the Worker has found the password right; when it is not, `discardUnverified` deletes the session.
 */
async function openSession(services: Services, key: string, session: NewSession): Promise<Opened> {
  const { rows } = await services.db
    .execute(sql`
      with attempt as materialized (
        select ${countAttempt(services, key)}, now()::text as counted_at
      ), matched as (
        select u.* from users u, attempt where lower(u.email) = ${key}
      ), opened as (
        insert into sessions (id, user_id, expires_at)
        select ${session.sessionId}, id, now() + ${SESSION_TTL} from matched
        returning id
      ), token as (
        insert into refresh_tokens (token_hash, session_id) select ${session.tokenHash}, id from opened
      )
      select (select ${USER_JSON} from matched u) as user,
             (select password_hash from matched) as stored,
             (select counted_at from attempt) as "countedAt"`)
    .catch((err: unknown) => refusedAttempt(services, err));
  return rows[0] as unknown as Opened;
}

/**
 * One round trip, with the password hashed while it travels: the salt is the account's keyed salt
 * (computable from the email alone), so the statement is sent first and the PBKDF2, which blocks the
 * isolate, runs during the round trip instead of before it. The Worker then compares the hashes; a
 * hash of an older kind is verified the old way. Unknown email, wrong password and older hash: two
 * PBKDF2 each and the same 401. Every attempt is counted against the email in the statement, before
 * any answer, so parallel guesses cannot outrun the limit. After the response (`settleSignIn`), a
 * successful sign-in clears the attempts counted up to its own and replaces an older hash; a failed
 * one deletes the session it opened.
 */
async function signIn(services: Services, input: LoginInput) {
  const key = emailKey(input.email);
  const [salt, session] = await Promise.all([currentSalt(services, key), newSession()]);
  const [opened, candidate] = await Promise.all([
    openSession(services, key, session),
    afterPendingIo().then(() => hashPassword(input.password, salt)),
  ]);
  const older = opened.stored !== null && !isCurrentHash(opened.stored, salt) ? opened.stored : undefined;
  const matched = opened.stored !== null && older === undefined && sameHash(opened.stored, candidate);
  // The second PBKDF2 of every failure: no timing tells an unknown email from an older hash.
  const verified = matched || ((await verifyPassword(input.password, older)) && older !== undefined);
  if (!verified || !opened.user) {
    if (opened.user) services.defer(discardUnverified(services, session.sessionId));
    throw invalidCredentials();
  }
  const user = fromUserJson(opened.user);
  services.defer(
    settleSignIn(services, { key, countedAt: opened.countedAt, userId: user.id, older, candidate }),
  );
  return { session, result: await issue(services, user, { userId: user.id, ...session }, salt) };
}

/**
 * After a successful sign-in's response: clears the email's attempts counted up to and including
 * this one (a later failed guess stays counted), and replaces an older hash with the current one
 * unless the password has changed since. Until it lands, a few milliseconds after the response, the
 * sign-in still counts toward the limit: a refusal may come that much early, never late. Lost (the
 * Worker evicted first): the attempt stays counted until its window passes, and the hash is
 * replaced at the next sign-in.
 */
function settleSignIn(
  services: Services,
  done: { key: string; countedAt: string; userId: string; older: string | undefined; candidate: string },
) {
  const later = sql`(select t from unnest(attempts) t where t > ${done.countedAt}::timestamptz order by t)`;
  // Two exclusive conditions on one row under one snapshot: trimmed, or deleted when nothing is left.
  return services.db.execute(sql`
    with upgraded as (
      update users set password_hash = ${done.candidate}
      where id = ${done.userId} and password_hash = ${done.older ?? null}
    ), trimmed as (
      update login_failures set attempts = array${later}
      where email_key = ${done.key} and exists ${later}
    )
    delete from login_failures where email_key = ${done.key} and not exists ${later}`);
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
