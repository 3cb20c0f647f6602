import { type SQL, sql } from "drizzle-orm";
import { LOGIN_LIMIT_SQLSTATE, neonDbError } from "../db/errors";
import { guarded } from "../db/session-guard";
import { ApiError } from "../lib/errors";
import {
  decodeSalt,
  hashPassword,
  isCurrentHash,
  type PasswordSalt,
  saltFor,
  verifyPassword,
} from "../lib/password";
import type { AuthContext, Services } from "../types";
import { enforce, LOGIN_FAILURE_WINDOW_SECONDS } from "./rate-limit";

/**
 * How passwords are checked in one round trip. The salt of an account's hash is derived from a
 * server secret and the normalised email (`saltFor`), so the Worker hashes the presented password
 * before it asks the database anything, and the one statement that signs in, changes the password
 * or deletes the account carries the hash and acts only if it equals the stored one. A hash of an
 * older kind (random salt, previous salt key, other iterations) is returned instead; the caller
 * verifies it the old way and, if it matches, acts in a second round trip that also replaces it.
 */

/** The key failed sign-ins are counted and salts derived under: the email as the database compares it. */
export const emailKey = (email: string) => email.trim().toLowerCase();

/** The salt of the account with this normalised email, under the current salt key. */
export const currentSalt = (services: Services, key: string) =>
  saltFor(services.config.passwordSaltSecret, key);

/**
 * True when the stored hash equals `expected`. Compared as SHA-256 digests: the time a comparison
 * takes can only reveal how much of two unpredictable digests agree, never a prefix of the hash.
 */
export const storedHashIs = (expected: string) =>
  sql`sha256(convert_to(password_hash, 'UTF8')) = sha256(convert_to(${expected}, 'UTF8'))`;

/**
 * Counts one password attempt against the email `key` (a SQL expression) in the batch's own round
 * trip: exact under concurrency (the count's row stays locked until the batch ends); over the limit
 * the whole batch is refused (see `refusedAttempt`). A statement of the same batch deletes the
 * `login_failures` row when the password matched.
 */
export const countAttempt = (services: Services, key: SQL | string) =>
  sql`consume_login_attempt(${key}, ${services.config.rateLimits.loginFailuresPerEmail}, ${`${LOGIN_FAILURE_WINDOW_SECONDS} seconds`}::interval)`;

/** Turns the refusal of `countAttempt` into 429 problem+json; rethrows anything else. */
export function refusedAttempt(services: Services, err: unknown): never {
  const driverError = neonDbError(err) as (Error & { code?: string; detail?: string }) | undefined;
  if (driverError?.code !== LOGIN_LIMIT_SQLSTATE) throw err;
  const retryAfter = Math.max(1, Number(driverError.detail) || LOGIN_FAILURE_WINDOW_SECONDS);
  const limit = services.config.rateLimits.loginFailuresPerEmail;
  enforce(
    { allowed: false, limit, remaining: 0, resetAt: Date.now() + retryAfter * 1000 },
    "failed sign-ins for this account",
  );
  throw err;
}

/** The password salt an access token carries, if it was derived under the current salt key. */
async function saltOfToken(services: Services, auth: AuthContext): Promise<PasswordSalt | undefined> {
  const claimed = auth.passwordSalt ? decodeSalt(auth.passwordSalt) : undefined;
  if (!claimed) return undefined;
  const current = await saltFor(services.config.passwordSaltSecret, "");
  return claimed.keyId === current.keyId ? claimed : undefined;
}

/** What a password-guarded statement reports: it acted, or the stored hash it did not match. */
export type GuardedOutcome<T> = { done: true; value: T } | { done: false; stored: string | null };

/**
 * The statement of a password-guarded change of the signed-in account: it acts only if the stored
 * hash equals `expected`; `salt` is the account's current salt (for a new hash); `count` says
 * whether it must count the attempt (`countAttempt`).
 */
export type GuardedStatement<T> = (
  expected: string,
  salt: PasswordSalt,
  count: boolean,
) => Promise<GuardedOutcome<T>>;

const wrongPassword = (detail: string) => new ApiError("FORBIDDEN", { detail });
const accountGone = () => new ApiError("UNAUTHENTICATED", { detail: "This account no longer exists." });

/**
 * Runs `statement` for the signed-in user if `password` is theirs: one round trip when the access
 * token carries the current salt and the stored hash is current, two otherwise (the hash is read and
 * verified first). Wrong: 403 with `detail`. Every attempt counts against the account's failed
 * sign-ins, so a stolen access token cannot be used to guess the password faster than a sign-in.
 */
export async function withPasswordOf<T>(
  services: Services,
  auth: AuthContext,
  password: string,
  detail: string,
  statement: GuardedStatement<T>,
): Promise<T> {
  let salt = await saltOfToken(services, auth);
  let stored: string | null;
  let counted = true;
  if (salt) {
    const outcome = await statement(await hashPassword(password, salt), salt, true);
    if (outcome.done) return outcome.value;
    if (outcome.stored === null) throw accountGone();
    if (isCurrentHash(outcome.stored, salt)) throw wrongPassword(detail);
    stored = outcome.stored;
  } else {
    const { db } = services;
    const [, read] = await guarded(db, auth.sessionId, [
      db.execute(
        sql`select ${countAttempt(services, sql`lower(email)`)} from users where id = ${auth.userId}`,
      ),
      db.execute(sql`select email, password_hash from users where id = ${auth.userId}`),
    ]).catch((err: unknown) => refusedAttempt(services, err));
    const row = read.rows[0] as { email: string; password_hash: string } | undefined;
    if (!row) throw accountGone();
    salt = await currentSalt(services, emailKey(row.email));
    stored = row.password_hash;
    counted = false;
  }
  if (!(await verifyPassword(password, stored))) throw wrongPassword(detail);
  const outcome = await statement(stored, salt, counted);
  if (!outcome.done) throw wrongPassword(detail);
  return outcome.value;
}
