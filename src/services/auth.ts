import { and, eq, ne, sql } from "drizzle-orm";
import { refreshTokens, sessions, users } from "../db/schema";
import { guarded, sqlState } from "../db/session-guard";
import { ApiError } from "../lib/errors";
import { uuidv7 } from "../lib/ids";
import { hashPassword, needsRehash, verifyPassword } from "../lib/password";
import {
  ACCESS_TOKEN_TTL_SECONDS,
  type AccessIdentity,
  hashRefreshToken,
  newRefreshToken,
  REFRESH_TOKEN_TTL_SECONDS,
  sessionIdOfRefreshToken,
  signAccessToken,
} from "../lib/tokens";
import type { AuthContext, Services } from "../types";
import { enforce, REFRESH_PER_SESSION_PER_MINUTE } from "./rate-limit";
import { markSessionsRevoked } from "./revocation";
import { requireTimeZone, toUser, type User, type UserRow } from "./users";

export type AuthResult = { user: User; accessToken: string; refreshToken: string; expiresIn: number };
export type ClientMeta = { ip: string | undefined };

const invalidCredentials = () =>
  new ApiError("UNAUTHENTICATED", { detail: "The email or password is not correct." });
const invalidRefresh = () =>
  new ApiError("UNAUTHENTICATED", { detail: "The refresh token is invalid, expired or already used." });

/** The key failed logins are counted under: the email as the database compares it. */
const emailKey = (email: string) => email.trim().toLowerCase();

async function perIpLimit(services: Services, name: "authPerIp" | "signupsPerIp", meta: ClientMeta) {
  if (!services.config.rateLimits.perIpEnabled || !meta.ip) return;
  enforce(await services.rateLimits.consume(name, meta.ip), "requests from this address");
}

/** The per-IP limit every auth route counts against (API.md: "auth routes 60 per IP per minute"). */
export const limitAuthCall = (services: Services, meta: ClientMeta) =>
  perIpLimit(services, "authPerIp", meta);

/** A new session with its first refresh token: the statements to put in the caller's batch. */
function newSession(services: Services, userId: string) {
  const { db } = services;
  const sessionId = uuidv7();
  const refreshToken = newRefreshToken(sessionId);
  const expiresAt = new Date(Date.now() + REFRESH_TOKEN_TTL_SECONDS * 1000);
  return {
    sessionId,
    refreshToken,
    statements: async () =>
      [
        db.insert(sessions).values({ id: sessionId, userId, expiresAt }),
        db.insert(refreshTokens).values({ tokenHash: await hashRefreshToken(refreshToken), sessionId }),
      ] as const,
  };
}

async function issue(services: Services, user: UserRow, session: AccessIdentity & { refreshToken: string }) {
  const accessToken = await signAccessToken(session, services.config.jwt);
  return {
    user: toUser(user),
    accessToken,
    refreshToken: session.refreshToken,
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
  };
}

export type SignupInput = { email: string; password: string; displayName: string; timezone: string };

/** Creates the account and its first session in one atomic round trip. */
export async function signup(services: Services, input: SignupInput, meta: ClientMeta): Promise<AuthResult> {
  const { db } = services;
  const timezone = requireTimeZone(input.timezone);
  const [, , passwordHash] = await Promise.all([
    perIpLimit(services, "signupsPerIp", meta),
    limitAuthCall(services, meta),
    hashPassword(input.password),
  ]);
  const userId = uuidv7();
  const session = newSession(services, userId);
  try {
    const [[user]] = await db.batch([
      db
        .insert(users)
        .values({
          id: userId,
          email: input.email.trim(),
          displayName: input.displayName,
          timezone,
          passwordHash,
        })
        .returning(),
      ...(await session.statements()),
    ]);
    return issue(services, user!, { userId, ...session });
  } catch (err) {
    if (sqlState(err) === "23505") {
      throw new ApiError("CONFLICT", { detail: "An account with this email already exists." });
    }
    throw err;
  }
}

export type LoginInput = { email: string; password: string };

/**
 * Two round trips, the physical minimum: the hash must be read before a session may be written.
 * An unknown email and a wrong password get the same answer after the same PBKDF2 work.
 *
 * Every attempt is counted against the email before the password is checked, atomically, so
 * parallel guesses cannot outrun the limit; a successful sign-in clears the count.
 */
export async function login(services: Services, input: LoginInput, meta: ClientMeta): Promise<AuthResult> {
  const { db, rateLimits } = services;
  const key = emailKey(input.email);
  const [, attempts, [user]] = await Promise.all([
    limitAuthCall(services, meta),
    rateLimits.consume("loginFailures", key),
    db.select().from(users).where(sql`lower(${users.email}) = ${key}`),
  ]);
  enforce(attempts, "failed sign-ins for this account");
  if (!(await verifyPassword(input.password, user?.passwordHash)) || !user) throw invalidCredentials();
  const session = newSession(services, user.id);
  const upgrade = needsRehash(user.passwordHash)
    ? [
        db
          .update(users)
          .set({ passwordHash: await hashPassword(input.password) })
          .where(eq(users.id, user.id)),
      ]
    : [];
  await db.batch([...(await session.statements()), ...upgrade]);
  services.defer(rateLimits.reset("loginFailures", key));
  return issue(services, user, { userId: user.id, ...session });
}

/** How long after its rotation a refresh token may be presented again without ending the session. */
export const REUSE_GRACE_SECONDS = 10;
const REUSE_GRACE = sql.raw(`interval '${REUSE_GRACE_SECONDS} seconds'`);

type RefreshRow = {
  rotated: boolean;
  reused: boolean;
  limited: boolean;
  retry_after: number | null;
  user: (Omit<UserRow, "createdAt" | "updatedAt"> & { createdAt: string; updatedAt: string }) | null;
};

/**
 * Rotates a refresh token in one statement, which also returns the user. A token presented again
 * after its rotation was copied: the statement revokes the whole session. Two parallel refreshes with
 * one token: exactly one wins, the other gets 401, and the session survives (no row lock makes the
 * loser look like a thief).
 */
export async function refresh(services: Services, presented: string, meta: ClientMeta): Promise<AuthResult> {
  const { db, cache, defer } = services;
  const sessionId = sessionIdOfRefreshToken(presented);
  if (!sessionId) throw invalidRefresh();
  await limitAuthCall(services, meta);
  const presentedHash = await hashRefreshToken(presented);
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
           (select json_build_object(
              'id', u.id, 'email', u.email, 'displayName', u.display_name, 'timezone', u.timezone,
              'dayStartHour', u.day_start_hour, 'goalCalories', u.goal_calories,
              'goalProteinG', u.goal_protein_g, 'goalCarbsG', u.goal_carbs_g, 'goalFatG', u.goal_fat_g,
              'passwordHash', '', 'createdAt', u.created_at, 'updatedAt', u.updated_at)
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
  const user = {
    ...row.user,
    createdAt: new Date(row.user.createdAt),
    updatedAt: new Date(row.user.updatedAt),
  };
  return issue(services, user, { userId: user.id, sessionId, refreshToken: nextToken });
}

/** Ends a session now: its refresh token at once, its access token at the next request. */
export async function logout(services: Services, sessionId: string, meta: ClientMeta): Promise<void> {
  const { db, cache, defer } = services;
  await limitAuthCall(services, meta);
  await db
    .update(sessions)
    .set({ revokedAt: new Date(), revokedReason: "logout" })
    .where(and(eq(sessions.id, sessionId), sql`${sessions.revokedAt} is null`));
  defer(markSessionsRevoked(cache, [sessionId]));
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

/** Changes the password and ends every other session of the user. */
export async function changePassword(
  services: Services,
  auth: AuthContext,
  input: PasswordChange,
  meta: ClientMeta,
) {
  const { db, cache, defer } = services;
  const [, [[row]]] = await Promise.all([
    limitAuthCall(services, meta),
    guarded(db, auth.sessionId, [
      db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, auth.userId)),
    ]),
  ]);
  if (!row) throw new ApiError("UNAUTHENTICATED", { detail: "This account no longer exists." });
  if (!(await verifyPassword(input.currentPassword, row.passwordHash))) {
    throw new ApiError("FORBIDDEN", { detail: "The current password is not correct." });
  }
  const passwordHash = await hashPassword(input.newPassword);
  const [, ended] = await guarded(db, auth.sessionId, [
    db.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, auth.userId)),
    db
      .update(sessions)
      .set({ revokedAt: new Date(), revokedReason: "password_change" })
      .where(
        and(
          eq(sessions.userId, auth.userId),
          ne(sessions.id, auth.sessionId),
          sql`${sessions.revokedAt} is null`,
        ),
      )
      .returning({ id: sessions.id }),
  ]);
  defer(
    markSessionsRevoked(
      cache,
      ended.map((session) => session.id),
    ),
  );
}
