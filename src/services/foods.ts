import { type SQL, sql } from "drizzle-orm";
import type * as z from "zod";
import { guardedRead } from "../db/session-guard";
import { ApiError } from "../lib/errors";
import { assertUuid, uuidv7 } from "../lib/ids";
import { foldSearchText } from "../lib/search-text";
import type { FoodSchema } from "../routes/foods/foods.schemas";
import type { AuthContext, Services } from "../types";
import { createIdempotently, notReplayed, type Replay } from "./idempotency";
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

// ---- custom foods -------------------------------------------------------------------------------

export async function getFood(services: Services, auth: AuthContext, id: string): Promise<Food> {
  const { db } = services;
  assertUuid(id, notFound);
  const result = await guardedRead(
    db,
    auth.sessionId,
    db.execute<{ food: Food }>(
      sql`select ${foodJson(auth.userId)} as food from foods f where f.id = ${id} and ${visibleTo(auth.userId)}`,
    ),
  );
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
  const id = uuidv7();
  const { per100g } = input;
  return createIdempotently(services, auth, {
    key: idempotencyKey,
    body: input,
    scope: "POST /v1/foods ",
    insert: sql`
      insert into foods as f (id, owner_id, source, name, brand, barcode, serving_g, calories_per_100g,
                              protein_g_per_100g, carbs_g_per_100g, fat_g_per_100g, search_text)
      select ${id}, u.id, 'custom', ${input.name}, ${input.brand}, ${input.barcode}, ${input.servingG},
             ${per100g.calories}, ${per100g.proteinG}, ${per100g.carbsG}, ${per100g.fatG},
             ${searchTextOf(input.name, input.brand)}
      from users u where u.id = ${auth.userId} and ${notReplayed}
      returning ${foodJson(auth.userId)} as result`,
    storedBody: sql`result::jsonb`,
    after: () => [],
    present: (food: Food) => ({ ...food, replayed: false as const }),
  });
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
