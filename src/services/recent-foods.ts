import { sql } from "drizzle-orm";
import type * as z from "zod";
import { guardedRead } from "../db/session-guard";
import type { RecentFoodSchema } from "../routes/foods/foods.schemas";
import type { AuthContext, Services } from "../types";

/** How many recent foods GET /v1/foods/recent answers. */
export const RECENT_FOODS_LIMIT = 20;

export type RecentFood = z.infer<typeof RecentFoodSchema>;

/**
 * The caller's most used foods of the last 30 days, for one-tap logging: one round trip to the
 * database's recent_foods() (drizzle/0014_log_items.sql), which documents the order and the counts.
 */
export async function recentFoods(services: Services, auth: AuthContext): Promise<{ items: RecentFood[] }> {
  const { db } = services;
  const result = await guardedRead(
    db,
    auth.sessionId,
    db.execute<{ item: RecentFood }>(sql`select recent_foods(${auth.userId}, ${RECENT_FOODS_LIMIT}) as item`),
  );
  return { items: result.rows.map((row) => row.item) };
}
