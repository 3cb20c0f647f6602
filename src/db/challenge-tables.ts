import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { timestamps, users } from "./schema";

/**
 * The gamification tables: badges, who holds them, challenges and their participants (the engine
 * that fills them: src/db/functions/apply_log_write.sql). Beside schema.ts so each stays readable;
 * drizzle.config.ts reads every table file.
 */

export const badges = pgTable("badges", {
  code: text("code").primaryKey(),
  name: text("name").notNull(),
  description: text("description").notNull(),
  icon: text("icon").notNull(),
  sortOrder: integer("sort_order").notNull().default(0),
});

/** One row per badge a user holds; the primary key is what makes every award exactly-once. */
export const userBadges = pgTable(
  "user_badges",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    badgeCode: text("badge_code")
      .notNull()
      .references(() => badges.code),
    earnedAt: timestamp("earned_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.badgeCode] })],
);

export const challenges = pgTable(
  "challenges",
  {
    id: uuid("id").primaryKey(),
    title: text("title").notNull(),
    description: text("description").notNull(),
    // { type, target, ... } validated by the API's rule schema; evaluated by challenge_progress().
    rule: jsonb("rule").notNull(),
    startsAt: timestamp("starts_at", { withTimezone: true, mode: "date" }).notNull(),
    endsAt: timestamp("ends_at", { withTimezone: true, mode: "date" }),
    durationDays: integer("duration_days"),
    official: boolean("official").notNull().default(false),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "cascade" }),
    badgeCode: text("badge_code").references(() => badges.code),
    // Set by the scheduled job once the challenge has ended and its final ranks are frozen.
    closedAt: timestamp("closed_at", { withTimezone: true, mode: "date" }),
    ...timestamps,
  },
  (table) => [
    index("challenges_starts_at_idx").on(table.startsAt, table.id),
    index("challenges_created_by_idx").on(table.createdBy),
    // The hourly job's two questions, answered without reading closed or open-ended challenges.
    index("challenges_to_close_idx").on(table.endsAt, table.id).where(sql`${table.closedAt} is null`),
    index("challenges_calorie_cap_open_idx")
      .on(table.id)
      .where(sql`${table.closedAt} is null and ${table.rule}->>'type' = 'calorie_cap_days'`),
    check("challenges_duration_days_range", sql`${table.durationDays} between 1 and 366`),
    check("challenges_window_order", sql`${table.endsAt} is null or ${table.endsAt} > ${table.startsAt}`),
  ],
);

/**
 * Each challenge's number of participants, kept by statement-level triggers on
 * challenge_participants (drizzle/0017_challenge_participant_counts.sql), so a list shows it without counting a 100,000-player
 * challenge on every request. A table of its own, not a column of `challenges`: the hourly job locks
 * a challenge row and then its players' rows, while a join, a leave or an account deletion holds the
 * player's row when its trigger updates the count; on the challenge row that would be a lock cycle.
 */
export const challengeParticipantCounts = pgTable("challenge_participant_counts", {
  challengeId: uuid("challenge_id")
    .primaryKey()
    .references(() => challenges.id, { onDelete: "cascade" }),
  participants: integer("participants").notNull().default(0),
});

/**
 * How many players of a challenge sit in each stretch of its ranking, kept by triggers on
 * challenge_participants (drizzle/0019_challenge_rank_counts.sql; a transaction's changes applied at
 * its commit, in key order, since drizzle/0021_rank_counts_at_commit.sql), so "how many rank ahead of
 * me" is a sum of a few hundred counts plus an exact count among the players of one minute, not a
 * count of up to every player (ranking.ts). A player's stretch: their group
 * (`rank_group`: completed, else minus `current`) and time (`rank_time`: completion, else join),
 * cut by `level` into the group's total (0), its day (1), hour (2) and minute (3), in UTC.
 */
export const challengeRankCounts = pgTable(
  "challenge_rank_counts",
  {
    // No foreign key: checking one takes a KEY SHARE lock on the challenge row for every new stretch,
    // which the hourly job's chunks hold FOR UPDATE while they lock players' rows: a log write (its
    // user's row locked first) would deadlock with them. The counts of a deleted challenge go with its
    // participants (flush_rank_counts).
    challengeId: uuid("challenge_id").notNull(),
    level: integer("level").notNull(),
    grp: integer("grp").notNull(),
    bucket: timestamp("bucket", { withTimezone: true, mode: "date" }).notNull(),
    players: integer("players").notNull(),
  },
  (table) => [primaryKey({ columns: [table.challengeId, table.level, table.grp, table.bucket] })],
);

export const challengeParticipants = pgTable(
  "challenge_participants",
  {
    challengeId: uuid("challenge_id")
      .notNull()
      .references(() => challenges.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    joinedAt: timestamp("joined_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    // The participant's own window in their local days (fixed at join), inclusive; end null = open.
    windowStart: date("window_start", { mode: "string" }).notNull(),
    windowEnd: date("window_end", { mode: "string" }),
    current: integer("current").notNull().default(0),
    // Final: set once when `current` first reaches the target, never cleared.
    completedAt: timestamp("completed_at", { withTimezone: true, mode: "date" }),
    finalRank: integer("final_rank"),
  },
  (table) => [
    primaryKey({ columns: [table.challengeId, table.userId] }),
    index("challenge_participants_user_idx").on(table.userId),
    // The ranking order, as ascending keys (the same order as ranking.ts): the top of a board and
    // the players of my minute ahead of me are index range scans, never a sort of every
    // participant. The migration adds INCLUDE (completed_at, current), which drizzle cannot
    // express, so that counting is an index-only scan.
    index("challenge_participants_rank_idx").on(
      table.challengeId,
      sql`coalesce(${table.completedAt}, 'infinity'::timestamptz)`,
      sql`(-${table.current})`,
      table.joinedAt,
      table.userId,
    ),
    // Frozen ranks of closed challenges, and where a chunked closing left off (max final_rank).
    index("challenge_participants_final_rank_idx")
      .on(table.challengeId, table.finalRank)
      .where(sql`${table.finalRank} is not null`),
  ],
);
