// Food search (GET /v1/foods?q=) on the word index of drizzle/0018_food_word_index.sql.
import { type SQL, sql } from "drizzle-orm";
import { guardedRead } from "../db/session-guard";
import { decodeScoreCursor, keysetPage } from "../lib/cursor";
import { ApiError } from "../lib/errors";
import { foldSearchText } from "../lib/search-text";
import type { AuthContext, Services } from "../types";
import type { Food } from "./foods";

export type SearchPosition = { score: number; id: string };

/** Where the first page starts: before every posting (ranks are never negative). */
const FIRST_PAGE: SearchPosition = { score: -1, id: "00000000-0000-0000-0000-000000000000" };

/**
 * The search statement: the database's `search_foods` (src/db/functions/search_foods.sql, which
 * documents the matching, the ranking, the index reads and why it is a function with a generic plan),
 * for `viewerId`, `limit` foods from the keyset position `after` on. `score` = match quality × 100000 +
 * rank (the folded name's length), the order with the food's id.
 */
export const searchStatement = (folded: string, viewerId: string, limit: number, after = FIRST_PAGE): SQL =>
  sql`select food, score from search_foods(${folded}, ${viewerId}::uuid, ${limit}, ${after.score}::bigint, ${after.id}::uuid)`;

export async function searchFoods(
  services: Services,
  auth: AuthContext,
  query: { q: string; limit: number; cursor?: string },
) {
  const { db } = services;
  const after = query.cursor ? decodeScoreCursor(query.cursor) : undefined;
  const folded = foldSearchText(query.q);
  if (folded === "") {
    throw ApiError.invalid([{ path: "q", message: "must contain something to search for" }]);
  }
  const result = await guardedRead(
    db,
    auth.sessionId,
    db.execute<{ food: Food; score: number }>(searchStatement(folded, auth.userId, query.limit + 1, after)),
  );
  const { page, nextCursor } = keysetPage(result.rows, query.limit, (row) => ({
    score: Number(row.score),
    id: row.food.id,
  }));
  return { items: page.map((row) => row.food), nextCursor };
}
