import { type SQL, sql } from "drizzle-orm";
import type * as z from "zod";
import { guarded } from "../db/session-guard";
import { decodeScoreCursor, encodeCursor } from "../lib/cursor";
import { ApiError } from "../lib/errors";
import { assertUuid, uuidv7 } from "../lib/ids";
import { foldSearchText } from "../lib/search-text";
import type { FoodSchema } from "../routes/foods/foods.schemas";
import type { AuthContext, Services } from "../types";
import {
  claimFor,
  claimOrReplay,
  dropExpiredKey,
  isReplay,
  lostKeyRace,
  notReplayed,
  type Replay,
  replayWinner,
  settleClaim,
} from "./idempotency";
import { guardedWrite } from "./writes";

/** A food as the API answers it (built by `foodJson`). */
export type Food = z.infer<typeof FoodSchema>;
export type Per100g = Food["per100g"];

export type FoodInput = {
  name: string;
  brand: string | null;
  barcode: string | null;
  servingG: number | null;
  per100g: Per100g;
};

export type FoodPatch = Partial<Omit<FoodInput, "per100g">> & { per100g?: Partial<Per100g> };

/**
 * The JSON of the food row `f` as `viewerId` sees it: one shape, built by the database, for every
 * read (search, get, barcode, export) and write.
 */
export const foodJson = (viewerId: string) => sql`food_json(f, ${viewerId}::uuid)`;

/** Who may see the food row `f`: everyone a shared product, only its owner a custom food. */
export const visibleTo = (viewerId: string) => sql`(f.owner_id is null or f.owner_id = ${viewerId}::uuid)`;

/**
 * `search_text` is the folded name, a newline, the folded brand (empty without one): folding never
 * leaves a newline, so an edit of the name alone or the brand alone can rebuild it in SQL from the
 * part it keeps, without reading the row first.
 */
export const searchTextOf = (name: string, brand: string | null) =>
  `${foldSearchText(name)}\n${brand ? foldSearchText(brand) : ""}`;

const notFound = () => new ApiError("NOT_FOUND", { detail: "No food with this id." });
const sharedProduct = () =>
  new ApiError("FORBIDDEN", {
    detail: "Foods from Open Food Facts are shared by everyone and cannot be changed or deleted.",
  });

// ---- search -------------------------------------------------------------------------------------

/**
 * The word-similarity threshold of `<%` (pg_trgm's default is 0.6). 0.45 lets one-letter typos of
 * short words through (`choclate` → `chocolate` scores 0.58) and keeps 2-syllable Hangul prefixes
 * (`비빔` → `비빔밥` scores 0.67); ranking puts the closest first.
 */
export const WORD_SIMILARITY_THRESHOLD = 0.45;

/**
 * Sets the threshold for the rest of the transaction. A Neon HTTP request is its own transaction on
 * its own connection (no session state survives it), so it rides in the same batch as the search.
 */
export const searchThresholdStatement = () =>
  sql`select set_config('pg_trgm.word_similarity_threshold', ${String(WORD_SIMILARITY_THRESHOLD)}, true)`;

export type SearchPosition = { score: number; id: string };

/**
 * The search statement: foods `viewerId` may see whose folded text has a word-similar extent to the
 * folded query (`<%`, served by the trigram GIN index), ranked by word similarity plus whole-text
 * similarity (so `비빔밥` comes before `비빔밥 도시락 세트`), keyset-paged on (score, id).
 * Its cost grows with the matches (all are scored, then sorted): 0.4–1 s for common words at 1M foods
 * (bench/results/foods-scale-1m.txt). A GiST index ordered by `<<->` was measured and not taken: fast
 * for whole words, as slow for prefixes and typos, and it cannot order ties (README, Performance).
 */
export function searchStatement(
  folded: string,
  viewerId: string,
  limit: number,
  after?: SearchPosition,
): SQL {
  const score = sql`(word_similarity(${folded}, f.search_text)::float8 + similarity(${folded}, f.search_text)::float8)`;
  return sql`
    select ${foodJson(viewerId)} as food, r.score
    from (
      select f.id, ${score} as score from foods f
      where ${folded} <% f.search_text and ${visibleTo(viewerId)}
    ) r join foods f on f.id = r.id
    where ${after ? sql`(r.score, r.id) < (${after.score}::float8, ${after.id}::uuid)` : sql`true`}
    order by r.score desc, r.id desc
    limit ${limit}`;
}

export async function searchFoods(
  services: Services,
  auth: AuthContext,
  query: { q: string; limit: number; cursor?: string },
) {
  const { db } = services;
  const after = query.cursor ? decodeScoreCursor(query.cursor) : undefined;
  const folded = foldSearchText(query.q);
  if (folded === "") {
    throw new ApiError("INVALID_INPUT", {
      detail: "The request has 1 invalid field.",
      errors: [{ path: "q", message: "must contain something to search for" }],
    });
  }
  const [, result] = await guarded(db, auth.sessionId, [
    db.execute(searchThresholdStatement()),
    db.execute<{ food: Food; score: number }>(searchStatement(folded, auth.userId, query.limit + 1, after)),
  ]);
  const page = result.rows.slice(0, query.limit);
  const last = page.at(-1);
  const nextCursor =
    result.rows.length > query.limit && last
      ? encodeCursor({ score: Number(last.score), id: last.food.id })
      : null;
  return { items: page.map((row) => row.food), nextCursor };
}

// ---- custom foods -------------------------------------------------------------------------------

export async function getFood(services: Services, auth: AuthContext, id: string): Promise<Food> {
  const { db } = services;
  assertUuid(id, notFound);
  const [result] = await guarded(db, auth.sessionId, [
    db.execute<{ food: Food }>(
      sql`select ${foodJson(auth.userId)} as food from foods f where f.id = ${id} and ${visibleTo(auth.userId)}`,
    ),
  ]);
  const row = result.rows[0];
  if (!row) throw notFound();
  return row.food;
}

/** Creates a custom food in one round trip (session, write quota, idempotency claim, insert). */
export async function createFood(
  services: Services,
  auth: AuthContext,
  input: FoodInput,
  idempotencyKey: string | undefined,
): Promise<(Food & { replayed: false }) | Replay> {
  const { db } = services;
  const claim = await claimFor(auth.userId, idempotencyKey, input, "POST /v1/foods ");
  const id = uuidv7();
  const { per100g } = input;
  try {
    const [, created] = await guardedWrite(services, auth, [
      dropExpiredKey(db, claim),
      claimOrReplay<Food>(
        db,
        claim,
        sql`
          insert into foods as f (id, owner_id, source, name, brand, barcode, serving_g, calories_per_100g,
                                  protein_g_per_100g, carbs_g_per_100g, fat_g_per_100g, search_text)
          select ${id}, u.id, 'custom', ${input.name}, ${input.brand}, ${input.barcode}, ${input.servingG},
                 ${per100g.calories}, ${per100g.proteinG}, ${per100g.carbsG}, ${per100g.fatG},
                 ${searchTextOf(input.name, input.brand)}
          from users u where u.id = ${auth.userId} and ${notReplayed}
          returning ${foodJson(auth.userId)} as result`,
        sql`result::jsonb`,
      ),
    ]);
    const food = settleClaim(created.rows[0], claim);
    return isReplay(food) ? food : { ...food, replayed: false as const };
  } catch (err) {
    if (lostKeyRace(err, claim)) return replayWinner(db, claim);
    throw err;
  }
}

/** Whether `id` is a shared product: what turns a refused edit into 403 instead of 404. */
const sharedProductRow = (services: Services, id: string) =>
  services.db.execute<{ shared: boolean }>(
    sql`select true as shared from foods where id = ${id} and source = 'openfoodfacts'`,
  );

/** The SQL `set` list of a patch; `search_text` follows the name and brand (see searchTextOf). */
function patchAssignments(patch: FoodPatch): SQL[] {
  const set: SQL[] = [sql`updated_at = now()`];
  const column = (name: string, value: unknown) => set.push(sql`${sql.raw(name)} = ${value}`);
  if (patch.name !== undefined) column("name", patch.name);
  if (patch.brand !== undefined) column("brand", patch.brand);
  if (patch.barcode !== undefined) column("barcode", patch.barcode);
  if (patch.servingG !== undefined) column("serving_g", patch.servingG);
  const per100g = patch.per100g ?? {};
  if (per100g.calories !== undefined) column("calories_per_100g", per100g.calories);
  if (per100g.proteinG !== undefined) column("protein_g_per_100g", per100g.proteinG);
  if (per100g.carbsG !== undefined) column("carbs_g_per_100g", per100g.carbsG);
  if (per100g.fatG !== undefined) column("fat_g_per_100g", per100g.fatG);
  const foldedName = patch.name === undefined ? undefined : foldSearchText(patch.name);
  const foldedBrand = patch.brand === undefined ? undefined : patch.brand ? foldSearchText(patch.brand) : "";
  if (foldedName !== undefined && foldedBrand !== undefined) {
    column("search_text", `${foldedName}\n${foldedBrand}`);
  } else if (foldedName !== undefined) {
    set.push(sql`search_text = ${foldedName} || substr(f.search_text, strpos(f.search_text, E'\\n'))`);
  } else if (foldedBrand !== undefined) {
    set.push(sql`search_text = split_part(f.search_text, E'\\n', 1) || E'\\n' || ${foldedBrand}`);
  }
  return set;
}

/** Changes the caller's own custom food; past logs keep their snapshot. */
export async function patchFood(services: Services, auth: AuthContext, id: string, patch: FoodPatch) {
  const { db } = services;
  assertUuid(id, notFound);
  const [updated, shared] = await guardedWrite(services, auth, [
    db.execute<{ food: Food }>(sql`
      update foods as f set ${sql.join(patchAssignments(patch), sql`, `)}
      where f.id = ${id} and f.owner_id = ${auth.userId}
      returning ${foodJson(auth.userId)} as food`),
    sharedProductRow(services, id),
  ]);
  const row = updated.rows[0];
  if (row) return row.food;
  throw shared.rows.length > 0 ? sharedProduct() : notFound();
}

/** Deletes the caller's own custom food; past logs keep their snapshot. */
export async function deleteFood(services: Services, auth: AuthContext, id: string): Promise<void> {
  const { db } = services;
  assertUuid(id, notFound);
  const [deleted, shared] = await guardedWrite(services, auth, [
    db.execute(sql`delete from foods where id = ${id} and owner_id = ${auth.userId} returning id`),
    sharedProductRow(services, id),
  ]);
  if (deleted.rows.length > 0) return;
  throw shared.rows.length > 0 ? sharedProduct() : notFound();
}
