import { and, eq, gte, lte, type SQL, sql } from "drizzle-orm";
import { type MealType, mealLogs } from "../db/schema";
import { guardedRead } from "../db/session-guard";
import { decodeCursor, keysetPage } from "../lib/cursor";
import { assertUuid, uuidv7 } from "../lib/ids";
import type { WriteEvent } from "../routes/challenges/challenges.schemas";
import type { Log, LogItemInput } from "../routes/logs/logs.schemas";
import type { AuthContext, Services } from "../types";
import { createIdempotently, notReplayed, type Replay } from "./idempotency";
import { publishProgress } from "./leaderboard";
import { fromSnapshot, itemsSnapshot, noItems } from "./log-items";
import { deletePhotosLater, logNotFound, presentLog, presentLogs, type StoredLog } from "./photos";
import { guardedWrite } from "./writes";

export type LogWriteResult = { log: Log; events: WriteEvent[] };

export type LogFields = {
  mealType: MealType;
  eatenAt: string;
  title: string;
  note: string | null;
  photoUrl: string | null;
  calories: number | null;
  proteinG: number | null;
  carbsG: number | null;
  fatG: number | null;
  tags: string[];
  /** Foods eaten: the numbers are then computed from them (and not sent). Null: typed-in numbers. */
  items: LogItemInput[] | null;
};

/**
 * The JSON of a log row, built by the database (src/db/functions/meal_log_json.sql): the API's
 * shape but for a stored photo's key, which presentLog() turns into a signed URL.
 */
export const logJson = sql<StoredLog>`meal_log_json(${mealLogs})`;

/** The SQL that computes the user's day of `eatenAt` from their current zone and day start. */
const localDayOf = (userId: string, eatenAt: string) =>
  sql`(select local_day(${eatenAt}::timestamptz, u.timezone, u.day_start_hour) from users u where u.id = ${userId})`;

const notFound = logNotFound;

/** The gamification engine's pass after a write (src/db/functions/apply_log_write.sql). */
const applyWrite = (db: Services["db"], userId: string, writeId: string) =>
  db.execute<{ event: WriteEvent }>(sql`select apply_log_write(${userId}, ${writeId}) as event`);

const eventsOf = (result: { rows: { event: WriteEvent }[] }) => result.rows.map((row) => row.event);

/**
 * Creates a log in one atomic round trip: session check, idempotency claim, the insert (its local
 * day computed by the database from the user's zone), the engine's pass and the stored reply are
 * one batch.
 */
export async function createLog(
  services: Services,
  auth: AuthContext,
  fields: LogFields,
  idempotencyKey: string | undefined,
): Promise<(LogWriteResult & { replayed: false }) | Replay> {
  const { db } = services;
  // A log of typed-in numbers is hashed as before logs had items: keys stored then still replay.
  const { items: _none, ...typedIn } = fields;
  const id = uuidv7();
  // From items, the numbers come from the foods, resolved in this same statement.
  const snapshot = fields.items ? sql`cross join lateral ${itemsSnapshot(sql`u.id`, fields.items)} s` : sql``;
  const { calories, proteinG, carbsG, fatG, items } = fields.items
    ? fromSnapshot
    : { ...fields, items: noItems };
  return createIdempotently(services, auth, {
    key: idempotencyKey,
    body: fields.items ? fields : typedIn,
    insert: sql`
      insert into meal_logs (id, user_id, meal_type, eaten_at, local_date, title, note, photo_url,
                             calories, protein_g, carbs_g, fat_g, items, tags)
      select ${id}, u.id, ${fields.mealType}, ${fields.eatenAt}::timestamptz,
             local_day(${fields.eatenAt}::timestamptz, u.timezone, u.day_start_hour),
             ${fields.title}, ${fields.note}, ${fields.photoUrl}, ${calories},
             ${proteinG}, ${carbsG}, ${fatG}, ${items},
             array(select jsonb_array_elements_text(${JSON.stringify(fields.tags)}::jsonb))
      from users u ${snapshot} where u.id = ${auth.userId} and ${notReplayed}
      returning meal_log_json(meal_logs) as result`,
    storedBody: sql`jsonb_build_object('log', result - 'photoKey', 'events', '[]'::jsonb)`,
    after: () => [
      // Runs only when this request inserted the log (not on a replay).
      db.execute<{ event: WriteEvent }>(sql`
        select e.event from meal_logs l cross join lateral apply_log_write(l.user_id, l.id) as e(event)
        where l.id = ${id} and l.user_id = ${auth.userId}`),
    ],
    rewrite: {
      ours: sql`response_body -> 'log' ->> 'id' = ${id}::text`,
      body: sql`jsonb_set(response_body, '{events}',
        coalesce((select jsonb_agg(payload order by seq) from write_events where write_id = ${id}), '[]'::jsonb))`,
    },
    present: async (log: StoredLog, [applied]) => {
      const events = eventsOf(applied);
      publishProgress(services, auth.userId, events);
      return { log: await presentLog(services, log), events, replayed: false as const };
    },
  });
}

export async function getLog(services: Services, auth: AuthContext, id: string): Promise<Log> {
  const { db } = services;
  assertUuid(id, notFound);
  const [row] = await guardedRead(
    db,
    auth.sessionId,
    db
      .select({ log: logJson })
      .from(mealLogs)
      .where(and(eq(mealLogs.id, id), eq(mealLogs.userId, auth.userId))),
  );
  if (!row) throw notFound();
  return presentLog(services, row.log);
}

export type LogPatch = Omit<Partial<LogFields>, "items"> & { items?: LogItemInput[] };

const NUMBERS = ["calories", "proteinG", "carbsG", "fatG"] as const;

/**
 * Changes a log; a new `eatenAt` moves it to the day the user's current zone gives it. Items and
 * typed-in numbers replace each other: new items recompute all four numbers; `items: []` or any
 * typed-in number makes it a log of typed-in numbers again (the numbers not sent stay as they were).
 */
export async function patchLog(services: Services, auth: AuthContext, id: string, patch: LogPatch) {
  const { db } = services;
  assertUuid(id, notFound);
  const { eatenAt, tags, items, ...plain } = patch;
  const changes: Record<string, unknown> = { ...plain, updatedAt: sql`now()` };
  const fromItems = items !== undefined && items.length > 0;
  if (fromItems) Object.assign(changes, fromSnapshot);
  else if (items !== undefined || NUMBERS.some((name) => patch[name] !== undefined)) changes.items = noItems;
  if (eatenAt !== undefined) {
    changes.eatenAt = new Date(eatenAt);
    changes.localDate = localDayOf(auth.userId, eatenAt);
  }
  if (tags !== undefined) changes.tags = tags;
  // A linked photo (photoUrl) replaces a stored one, whose object then goes.
  if (patch.photoUrl !== undefined) changes.photoKey = null;
  const [[previous], [row], applied] = await guardedWrite(services, auth, [
    db
      .select({ photoKey: mealLogs.photoKey })
      .from(mealLogs)
      .where(and(eq(mealLogs.id, id), eq(mealLogs.userId, auth.userId)))
      .for("update"),
    db
      .update(mealLogs)
      .set(changes)
      // The items' snapshot `s` (resolved in this statement); without items, one empty row.
      .from(fromItems ? sql`${itemsSnapshot(auth.userId, items)} s` : sql`(select) s`)
      .where(and(eq(mealLogs.id, id), eq(mealLogs.userId, auth.userId)))
      .returning({ log: logJson }),
    applyWrite(db, auth.userId, uuidv7()),
  ]);
  if (!row) throw notFound();
  if (patch.photoUrl !== undefined) deletePhotosLater(services, [previous?.photoKey]);
  const events = eventsOf(applied);
  publishProgress(services, auth.userId, events);
  return { log: await presentLog(services, row.log), events };
}

export async function deleteLog(
  services: Services,
  auth: AuthContext,
  id: string,
): Promise<{ events: WriteEvent[] }> {
  const { db } = services;
  assertUuid(id, notFound);
  const [deleted, applied] = await guardedWrite(services, auth, [
    db
      .delete(mealLogs)
      .where(and(eq(mealLogs.id, id), eq(mealLogs.userId, auth.userId)))
      .returning({ id: mealLogs.id, photoKey: mealLogs.photoKey }),
    applyWrite(db, auth.userId, uuidv7()),
  ]);
  if (deleted.length === 0) throw notFound();
  deletePhotosLater(
    services,
    deleted.map((row) => row.photoKey),
  );
  const events = eventsOf(applied);
  publishProgress(services, auth.userId, events);
  return { events };
}

export type LogFilters = {
  from?: string;
  to?: string;
  mealType?: MealType;
  tag?: string;
  limit: number;
  cursor?: string;
};

/** Newest first, keyset-paged on (eatenAt, id): stable when many logs share one time. */
export async function listLogs(services: Services, auth: AuthContext, filters: LogFilters) {
  const { db } = services;
  const conditions: SQL[] = [eq(mealLogs.userId, auth.userId)];
  if (filters.from) conditions.push(gte(mealLogs.localDate, filters.from));
  if (filters.to) conditions.push(lte(mealLogs.localDate, filters.to));
  if (filters.mealType) conditions.push(eq(mealLogs.mealType, filters.mealType));
  if (filters.tag) conditions.push(sql`${mealLogs.tags} @> array[${filters.tag}]::text[]`);
  if (filters.cursor) {
    const after = decodeCursor(filters.cursor);
    conditions.push(
      sql`(${mealLogs.eatenAt}, ${mealLogs.id}) < (${after.at}::timestamptz, ${after.id}::uuid)`,
    );
  }
  const rows = await guardedRead(
    db,
    auth.sessionId,
    db
      .select({ log: logJson })
      .from(mealLogs)
      .where(and(...conditions))
      // NULLS LAST as in the index (drizzle's .desc() declares it so): then the page is an ordered
      // index scan that stops after `limit` rows, not a sort of all the user's logs.
      .orderBy(sql`${mealLogs.eatenAt} desc nulls last`, sql`${mealLogs.id} desc nulls last`)
      .limit(filters.limit + 1),
  );
  const { page, nextCursor } = keysetPage(rows, filters.limit, ({ log }) => ({
    at: log.eatenAt,
    id: log.id,
  }));
  return {
    items: await presentLogs(
      services,
      page.map((row) => row.log),
    ),
    nextCursor,
  };
}
