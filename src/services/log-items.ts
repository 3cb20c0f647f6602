import { type SQL, sql } from "drizzle-orm";
import { neonDbError } from "../db/errors";
import { ApiError } from "../lib/errors";
import type { LogItemInput } from "../routes/logs/logs.schemas";

/**
 * Logs built from foods. The foods are resolved and summed by the database's
 * log_items_snapshot() (drizzle/0014_log_items.sql) inside the write's own statement, so the write
 * stays one round trip; its rounding rules are documented there.
 */

/** The snapshot and totals of `items` for `userId` (a row: items, calories, protein_g, carbs_g, fat_g). */
export const itemsSnapshot = (userId: SQL | string, items: LogItemInput[]) =>
  sql`log_items_snapshot(${userId}, ${JSON.stringify(items)}::jsonb)`;

/** The log columns a snapshot `s` fills (numbers computed from the items, and the items). */
export const fromSnapshot = {
  calories: sql`s.calories`,
  proteinG: sql`s.protein_g`,
  carbsG: sql`s.carbs_g`,
  fatG: sql`s.fat_g`,
  items: sql`s.items`,
};

/** The items of a log of typed-in numbers. */
export const noItems = sql`'[]'::jsonb`;

/** The 400 for a refused item (an unseeable food, totals over a log's limits), named by its path. */
export function invalidLogItems(err: unknown) {
  const driverError = neonDbError(err) as (Error & { detail?: string }) | undefined;
  const path = driverError?.detail || "items";
  const message = path.endsWith(".foodId")
    ? "no food with this id (unknown, or another user's custom food)"
    : (driverError?.message ?? "invalid items");
  return ApiError.invalid([{ path, message }]);
}
