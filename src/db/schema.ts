import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

export const timestamps = {
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
    // Bumped by every write batch of the user (services/writes.ts): what a cached read is tagged
    // with, and compared against, so nothing computed before a write is served after it.
    cacheVersion: bigint("cache_version", { mode: "number" }).notNull().default(0),
    // Set by the account's deletion (services/users.ts), which answers at once; the hourly job then
    // purges the account's rows in bounded chunks and finally this row (services/account-purge.ts).
    deletedAt: timestamp("deleted_at", { withTimezone: true, mode: "date" }),
    ...timestamps,
  },
  (table) => [
    // Case-insensitive uniqueness lives in the database, so parallel signups cannot both win.
    uniqueIndex("users_email_lower_key").on(sql`lower(${table.email})`),
    index("users_deleted_at_idx").on(table.deletedAt, table.id).where(sql`${table.deletedAt} is not null`),
    check("users_day_start_hour_range", sql`${table.dayStartHour} between 0 and 6`),
  ],
);

/**
 * One row: bumped when a write could not tell Redis that the user's cached entries are stale (Redis
 * failing); every isolate compares it with the epoch in Redis before trusting any entry
 * (services/user-cache.ts). A row, not a sequence: a bump inside a write's batch must become visible
 * only when that write commits, never before.
 */
export const cacheEpoch = pgTable(
  "cache_epoch",
  {
    id: boolean("id").primaryKey().default(true),
    epoch: bigint("epoch", { mode: "number" }).notNull().default(0),
  },
  (table) => [check("cache_epoch_single_row", sql`${table.id}`)],
);

export const MEAL_TYPES = ["breakfast", "lunch", "dinner", "snack"] as const;
export type MealType = (typeof MEAL_TYPES)[number];

export const mealLogs = pgTable(
  "meal_logs",
  {
    id: uuid("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    mealType: text("meal_type", { enum: MEAL_TYPES }).notNull(),
    eatenAt: timestamp("eaten_at", { withTimezone: true, mode: "date" }).notNull(),
    // The user's day at write time (time zone and day start then), kept so later profile changes
    // never move history.
    localDate: date("local_date", { mode: "string" }).notNull(),
    title: text("title").notNull(),
    note: text("note"),
    photoUrl: text("photo_url"),
    // A photo stored in R2 (the PHOTOS bucket) by PUT /v1/logs/:id/photo; answered as a signed URL.
    photoKey: text("photo_key"),
    calories: integer("calories"),
    proteinG: numeric("protein_g", { precision: 7, scale: 2, mode: "number" }),
    carbsG: numeric("carbs_g", { precision: 7, scale: 2, mode: "number" }),
    fatG: numeric("fat_g", { precision: 7, scale: 2, mode: "number" }),
    tags: text("tags").array().notNull().default(sql`'{}'::text[]`),
    // A log built from foods keeps what each item was when it was written:
    // [{ foodId, name, grams, calories, proteinG, carbsG, fatG }]. A snapshot, not a reference, so
    // editing or deleting a food later changes no past log. `[]` for a log of typed-in numbers.
    items: jsonb("items").notNull().default(sql`'[]'::jsonb`),
    ...timestamps,
  },
  (table) => [
    // Serves the newest-first keyset pages (and their mealType / tag filters as residual predicates).
    index("meal_logs_user_eaten_idx").on(table.userId, table.eatenAt.desc(), table.id.desc()),
    // Serves day ranges: summaries, streaks, challenge windows, the from/to filters.
    index("meal_logs_user_day_idx").on(table.userId, table.localDate),
    // Serves the orphan sweep's "is this object still some log's photo?".
    index("meal_logs_photo_key_idx").on(table.photoKey).where(sql`${table.photoKey} is not null`),
    // Serves the export's pages in id order: an id never changes, so an edit during an export can
    // neither repeat a log nor hide one (an eatenAt order could do both).
    index("meal_logs_user_id_idx").on(table.userId, table.id),
    check("meal_logs_calories_range", sql`${table.calories} between 0 and 10000`),
  ],
);

export const FOOD_SOURCES = ["custom", "openfoodfacts"] as const;

/**
 * What people eat, per 100 g. A custom food belongs to its creator (`owner_id`) and only they see it;
 * a product from Open Food Facts has no owner, is shared by everyone and is unique by barcode.
 */
export const foods = pgTable(
  "foods",
  {
    id: uuid("id").primaryKey(),
    ownerId: uuid("owner_id").references(() => users.id, { onDelete: "cascade" }),
    source: text("source", { enum: FOOD_SOURCES }).notNull(),
    name: text("name").notNull(),
    brand: text("brand"),
    barcode: text("barcode"),
    servingG: numeric("serving_g", { precision: 6, scale: 2, mode: "number" }),
    calories: numeric("calories_per_100g", { precision: 6, scale: 2, mode: "number" }).notNull(),
    proteinG: numeric("protein_g_per_100g", { precision: 5, scale: 2, mode: "number" }).notNull(),
    carbsG: numeric("carbs_g_per_100g", { precision: 5, scale: 2, mode: "number" }).notNull(),
    fatG: numeric("fat_g_per_100g", { precision: 5, scale: 2, mode: "number" }).notNull(),
    // The name and brand folded for matching (lower case, accents removed) by the Worker, which
    // folds the query the same way; the trigger of drizzle/0018_food_word_index.sql indexes its words.
    searchText: text("search_text").notNull(),
    ...timestamps,
  },
  (table) => [
    // Serves a user's own foods (export, account deletion) in id order.
    index("foods_owner_id_idx").on(table.ownerId, table.id).where(sql`${table.ownerId} is not null`),
    // One shared product per barcode: concurrent first lookups of one code store it once.
    uniqueIndex("foods_openfoodfacts_barcode_key")
      .on(table.barcode)
      .where(sql`${table.source} = 'openfoodfacts'`),
    check("foods_owner_matches_source", sql`(${table.source} = 'custom') = (${table.ownerId} is not null)`),
    check(
      "foods_per_100g_range",
      sql`${table.calories} between 0 and 1000 and ${table.proteinG} between 0 and 100 and ${table.carbsG} between 0 and 100 and ${table.fatG} between 0 and 100`,
    ),
  ],
);

/**
 * The food search's word index, kept by triggers on `foods` (drizzle/0018_food_word_index.sql): every
 * distinct word of the folded names and brands with how many foods hold it (typos and prefixes are
 * looked up in this small dictionary, not in the foods).
 */
export const foodWords = pgTable(
  "food_words",
  {
    word: text("word").primaryKey(),
    foods: integer("foods").notNull(),
  },
  (table) => [
    // Prefixes: `word ~>=~ $p and word ~<~ $p || chr(1114111)` is a range of this index in any collation.
    index("food_words_prefix_idx").using("btree", sql`${table.word} text_pattern_ops`),
    // Typos: trigram-similar words (`%`).
    index("food_words_trgm_idx").using("gin", sql`${table.word} gin_trgm_ops`),
  ],
);

/**
 * One row per (word, food): the primary key hands out "the best foods holding word W that this
 * viewer may see" as an index range already in rank order. `owner_id` is the nil uuid for shared
 * products (not null, so shared and own postings are both an equality prefix of the key); `rank` is
 * the folded name's length: a shorter name holding the word is the closer match.
 */
export const foodWordPostings = pgTable(
  "food_word_postings",
  {
    word: text("word").notNull(),
    ownerId: uuid("owner_id").notNull(),
    rank: integer("rank").notNull(),
    foodId: uuid("food_id").notNull(),
  },
  (table) => [primaryKey({ columns: [table.word, table.ownerId, table.rank, table.foodId] })],
);

/**
 * A replayable answer per (user, Idempotency-Key) for 24 h. The unique key is what makes two
 * concurrent requests with one key create one log.
 */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    responseStatus: smallint("response_status").notNull(),
    responseBody: jsonb("response_body").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.userId, table.key] }),
    index("idempotency_keys_expires_at_idx").on(table.expiresAt),
  ],
);

/**
 * What each log write caused (progress, completions, awards), keyed by the write's log id, so an
 * idempotent replay answers the same events. Purged with the idempotency keys.
 */
export const writeEvents = pgTable(
  "write_events",
  {
    writeId: uuid("write_id").notNull(),
    seq: integer("seq").notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    payload: jsonb("payload").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.writeId, table.seq] }),
    index("write_events_created_at_idx").on(table.createdAt),
    // An account's purge (and its final cascade) finds its events without reading the table.
    index("write_events_user_id_idx").on(table.userId),
  ],
);

/**
 * Each user's writes in the current minute (API.md: writes 120 per user per minute). Counted by
 * consume_write_quota() inside the write's own batch, so the limit costs no extra round trip and a
 * refused write leaves nothing behind, not even its count.
 */
export const writeQuota = pgTable("write_quota", {
  userId: uuid("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  windowStart: timestamp("window_start", { withTimezone: true, mode: "date" }).notNull(),
  count: integer("count").notNull(),
});

/**
 * Where a chunked background job left off (src/services/scheduled.ts): the last participation
 * (challenge, user) it handled, so the next chunk, or the next Cron invocation, resumes after it;
 * `userId` null when the job is at the start of `challengeId`. Each chunk moves its cursor in the
 * same transaction as its work.
 */
export const jobCursors = pgTable("job_cursors", {
  job: text("job").primaryKey(),
  challengeId: uuid("challenge_id").notNull(),
  userId: uuid("user_id"),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});
