import { eq, sql } from "drizzle-orm";
import { challengeParticipants } from "../db/challenge-tables";
import { users } from "../db/schema";
import { guarded, guardedRead } from "../db/session-guard";
import { ApiError } from "../lib/errors";
import { canonicalTimeZone } from "../lib/time-zone";
import type { ProfilePatch, User } from "../routes/users/users.schemas";
import type { AuthContext, Services } from "../types";
import { removeFromLeaderboards, renameOnLeaderboards } from "./leaderboard";
import { countAttempt, refusedAttempt, storedHashIs, withPasswordOf } from "./password-check";
import { purgeUserPhotos } from "./photos";
import { markSessionsRevoked } from "./revocation";
import { guardedWrite } from "./writes";

export type UserRow = typeof users.$inferSelect;

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    displayName: row.displayName,
    timezone: row.timezone,
    dayStartHour: row.dayStartHour,
    goals: {
      calories: row.goalCalories,
      proteinG: row.goalProteinG,
      carbsG: row.goalCarbsG,
      fatG: row.goalFatG,
    },
    createdAt: row.createdAt.toISOString(),
  };
}

/** Rejects an unknown IANA zone with a field error, and returns the canonical spelling. */
export function requireTimeZone(name: string, path = "timezone"): string {
  const canonical = canonicalTimeZone(name);
  if (!canonical) {
    throw ApiError.invalid([{ path, message: `Unknown IANA time zone "${name}"` }]);
  }
  return canonical;
}

const notFound = () => new ApiError("UNAUTHENTICATED", { detail: "This account no longer exists." });

export async function getMe(services: Services, auth: AuthContext): Promise<User> {
  const { db } = services;
  const [row] = await guardedRead(
    db,
    auth.sessionId,
    db.select().from(users).where(eq(users.id, auth.userId)),
  );
  if (!row) throw notFound();
  return toUser(row);
}

/** Changes the profile. Existing logs keep the day they were counted on (their `localDate` is stored). */
export async function updateMe(services: Services, auth: AuthContext, patch: ProfilePatch): Promise<User> {
  const { db } = services;
  const changes: Partial<typeof users.$inferInsert> = { updatedAt: new Date() };
  if (patch.displayName !== undefined) changes.displayName = patch.displayName;
  if (patch.timezone !== undefined) changes.timezone = requireTimeZone(patch.timezone);
  if (patch.dayStartHour !== undefined) changes.dayStartHour = patch.dayStartHour;
  const goals = patch.goals ?? {};
  if (goals.calories !== undefined) changes.goalCalories = goals.calories;
  if (goals.proteinG !== undefined) changes.goalProteinG = goals.proteinG;
  if (goals.carbsG !== undefined) changes.goalCarbsG = goals.carbsG;
  if (goals.fatG !== undefined) changes.goalFatG = goals.fatG;
  // A profile write like any other: it moves cached summaries and stats (goals, zone, day start).
  const [[row], joined] = await guardedWrite(services, auth, [
    db.update(users).set(changes).where(eq(users.id, auth.userId)).returning(),
    db
      .select({ id: challengeParticipants.challengeId })
      .from(challengeParticipants)
      .where(eq(challengeParticipants.userId, auth.userId)),
  ]);
  if (!row) throw notFound();
  if (patch.displayName !== undefined) {
    renameOnLeaderboards(
      services,
      auth.userId,
      row.displayName,
      joined.map((participation) => participation.id),
    );
  }
  return toUser(row);
}

/**
 * Deletes the account, as the user sees it, at once and atomically: every session ends (deleted, with
 * its refresh tokens), the email is free for a new signup, the profile, boards and challenges it
 * created are gone. Asks for the password
 * (a stolen access token alone cannot erase a diary), checked inside the same round trip
 * (password-check.ts). The statement touches only rows bounded per user (sessions, participations,
 * created challenges); the diary itself (logs, badges, keys, events), however large, is purged
 * afterwards by the hourly job in bounded chunks (account-purge.ts), along with the user row.
 */
export async function deleteMe(services: Services, auth: AuthContext, password: string): Promise<void> {
  const { db, cache, defer } = services;
  const deleted = await withPasswordOf(
    services,
    auth,
    password,
    "The password is not correct.",
    async (expected, _salt, count) => {
      const [, , gone] = await guarded(db, auth.sessionId, [
        db.execute(sql`
          select ${countAttempt(services, sql`lower(email)`)} from users where id = ${auth.userId} and ${count}`),
        // As every write does: the user row first, so in-flight writes finish before the deletion
        // (the next statement sees them).
        db.execute(
          sql`select 1 from users where id = ${auth.userId} and ${storedHashIs(expected)} for update`,
        ),
        db.execute(sql`
          with doomed as (
            select id, lower(email) as email_key from users
            where id = ${auth.userId} and deleted_at is null and ${storedHashIs(expected)}
          ), marked as (
            -- A tombstone email (never a valid address) frees the real one; no password matches '!'.
            update users set deleted_at = now(), updated_at = now(), display_name = 'Deleted account',
                             email = 'deleted+' || id || '@account.invalid', password_hash = '!'
            where id in (select id from doomed) returning id
          ), ended as (
            -- A user's sessions are few (the hourly job purges ended ones): gone now, tokens with them.
            delete from sessions where user_id in (select id from doomed) returning id
          ), left_boards as (
            delete from challenge_participants where user_id in (select id from doomed) returning challenge_id
          ), created as (
            delete from challenges where created_by in (select id from doomed)
          ), cleared as (
            delete from login_failures where email_key in (select email_key from doomed)
          )
          select exists (select 1 from marked) as done,
                 array(select id::text from ended) as sessions,
                 array(select challenge_id::text from left_boards) as joined,
                 (select password_hash from users
                  where id = ${auth.userId} and not exists (select 1 from doomed)) as stored`),
      ]).catch((err: unknown) => refusedAttempt(services, err));
      const row = gone.rows[0] as {
        done: boolean;
        sessions: string[];
        joined: string[];
        stored: string | null;
      };
      return row.done ? { done: true, value: row } : { done: false, stored: row.stored };
    },
  );
  defer(markSessionsRevoked(cache, deleted.sessions));
  removeFromLeaderboards(services, auth.userId, deleted.joined);
  purgeUserPhotos(services, auth.userId);
}
