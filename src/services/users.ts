import { asc, eq, sql } from "drizzle-orm";
import { challengeParticipants, challenges, mealLogs, sessions, userBadges, users } from "../db/schema";
import { guarded } from "../db/session-guard";
import { ApiError } from "../lib/errors";
import { canonicalTimeZone } from "../lib/time-zone";
import type { AuthContext, Services } from "../types";
import { removeFromLeaderboards, renameOnLeaderboards } from "./leaderboard";
import { type Log, logJson } from "./logs";
import { countAttempt, refusedAttempt, storedHashIs, withPasswordOf } from "./password-check";
import { presentLogs, purgeUserPhotos } from "./photos";
import { markSessionsRevoked } from "./revocation";
import { asUserWrite, guardedWrite } from "./writes";

export type UserRow = typeof users.$inferSelect;

export type Goals = {
  calories: number | null;
  proteinG: number | null;
  carbsG: number | null;
  fatG: number | null;
};

export type User = {
  id: string;
  email: string;
  displayName: string;
  timezone: string;
  dayStartHour: number;
  goals: Goals;
  createdAt: string;
};

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
    throw new ApiError("INVALID_INPUT", {
      detail: "The request has 1 invalid field.",
      errors: [{ path, message: `Unknown IANA time zone "${name}"` }],
    });
  }
  return canonical;
}

const notFound = () => new ApiError("UNAUTHENTICATED", { detail: "This account no longer exists." });

export async function getMe(services: Services, auth: AuthContext): Promise<User> {
  const { db } = services;
  const [[row]] = await guarded(db, auth.sessionId, [
    db.select().from(users).where(eq(users.id, auth.userId)),
  ]);
  if (!row) throw notFound();
  return toUser(row);
}

export type ProfilePatch = {
  displayName?: string;
  timezone?: string;
  dayStartHour?: number;
  goals?: Partial<Goals>;
};

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
  return asUserWrite(services, auth, async () => {
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
  });
}

/**
 * Deletes the account and, by cascade, everything it owns; every session ends with it. Asks for the
 * password (a stolen access token alone cannot erase a diary), checked inside the same round trip
 * (password-check.ts).
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
        // As every write does: the user row first, so in-flight writes finish before the cascade
        // (the next statement sees them).
        db.execute(
          sql`select 1 from users where id = ${auth.userId} and ${storedHashIs(expected)} for update`,
        ),
        db.execute(sql`
          with doomed as (
            select id, lower(email) as email_key from users where id = ${auth.userId} and ${storedHashIs(expected)}
          ), deleted as (
            delete from users where id in (select id from doomed) returning id
          ), cleared as (
            delete from login_failures where email_key in (select email_key from doomed)
          )
          select exists (select 1 from deleted) as done,
                 array(select id::text from sessions where user_id in (select id from doomed)) as sessions,
                 array(select challenge_id::text from challenge_participants
                       where user_id in (select id from doomed)) as joined,
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

export type AccountExport = {
  exportedAt: string;
  profile: User;
  sessions: {
    id: string;
    createdAt: string;
    expiresAt: string;
    revokedAt: string | null;
    current: boolean;
  }[];
  logs: Log[];
  challengesJoined: {
    challengeId: string;
    title: string;
    joinedAt: string;
    windowStart: string;
    windowEnd: string | null;
    current: number;
    completedAt: string | null;
    finalRank: number | null;
  }[];
  challengesCreated: { id: string; title: string; createdAt: string }[];
  badges: { code: string; earnedAt: string }[];
};

/** Everything stored about the user, as JSON (the right of access). Secrets and token hashes excepted. */
export async function exportMe(services: Services, auth: AuthContext): Promise<AccountExport> {
  const { db } = services;
  const iso = (column: unknown) => sql<string>`iso_utc(${column})`;
  const [[row], sessionRows, logRows, joined, created, earned] = await guarded(db, auth.sessionId, [
    db.select().from(users).where(eq(users.id, auth.userId)),
    db.select().from(sessions).where(eq(sessions.userId, auth.userId)).orderBy(sessions.createdAt),
    db
      .select({ log: logJson })
      .from(mealLogs)
      .where(eq(mealLogs.userId, auth.userId))
      .orderBy(asc(mealLogs.eatenAt), asc(mealLogs.id)),
    db
      .select({
        challengeId: challengeParticipants.challengeId,
        title: challenges.title,
        joinedAt: iso(challengeParticipants.joinedAt),
        windowStart: challengeParticipants.windowStart,
        windowEnd: challengeParticipants.windowEnd,
        current: challengeParticipants.current,
        completedAt: sql<string | null>`iso_utc(${challengeParticipants.completedAt})`,
        finalRank: challengeParticipants.finalRank,
      })
      .from(challengeParticipants)
      .innerJoin(challenges, eq(challenges.id, challengeParticipants.challengeId))
      .where(eq(challengeParticipants.userId, auth.userId))
      .orderBy(asc(challengeParticipants.joinedAt)),
    db
      .select({ id: challenges.id, title: challenges.title, createdAt: iso(challenges.createdAt) })
      .from(challenges)
      .where(eq(challenges.createdBy, auth.userId))
      .orderBy(asc(challenges.createdAt)),
    db
      .select({ code: userBadges.badgeCode, earnedAt: iso(userBadges.earnedAt) })
      .from(userBadges)
      .where(eq(userBadges.userId, auth.userId))
      .orderBy(asc(userBadges.earnedAt)),
  ]);
  if (!row) throw notFound();
  return {
    exportedAt: new Date().toISOString(),
    profile: toUser(row),
    sessions: sessionRows.map((session) => ({
      id: session.id,
      createdAt: session.createdAt.toISOString(),
      expiresAt: session.expiresAt.toISOString(),
      revokedAt: session.revokedAt?.toISOString() ?? null,
      current: session.id === auth.sessionId,
    })),
    logs: await presentLogs(
      services,
      logRows.map((entry) => entry.log),
    ),
    challengesJoined: joined,
    challengesCreated: created,
    badges: earned,
  };
}
