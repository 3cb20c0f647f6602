import { sql } from "drizzle-orm";
import {
  check,
  index,
  integer,
  pgTable,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
};

export const users = pgTable(
  "users",
  {
    // UUIDv7, made by the Worker (PostgreSQL 15 has no uuidv7()), so ids sort by creation time.
    id: uuid("id").primaryKey(),
    email: text("email").notNull(),
    displayName: text("display_name").notNull(),
    timezone: text("timezone").notNull(),
    dayStartHour: smallint("day_start_hour").notNull().default(0),
    goalCalories: integer("goal_calories"),
    goalProteinG: integer("goal_protein_g"),
    goalCarbsG: integer("goal_carbs_g"),
    goalFatG: integer("goal_fat_g"),
    // "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>": the parameters travel with the hash.
    passwordHash: text("password_hash").notNull(),
    ...timestamps,
  },
  (table) => [
    // Case-insensitive uniqueness lives in the database, so parallel signups cannot both win.
    uniqueIndex("users_email_lower_key").on(sql`lower(${table.email})`),
    check("users_day_start_hour_range", sql`${table.dayStartHour} between 0 and 6`),
  ],
);

export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
    revokedReason: text("revoked_reason"),
  },
  (table) => [
    index("sessions_user_id_idx").on(table.userId),
    index("sessions_expires_at_idx").on(table.expiresAt),
  ],
);

/**
 * Every refresh token a session was ever given, by hash only. A token used a second time (its
 * `rotatedAt` already set) means it was copied: the whole session is revoked.
 */
export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    sessionId: uuid("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    rotatedAt: timestamp("rotated_at", { withTimezone: true, mode: "date" }),
  },
  (table) => [index("refresh_tokens_session_id_idx").on(table.sessionId)],
);
