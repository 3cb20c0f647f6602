import { sql } from "../hardening/support";

/**
 * Foods for the suites of logs built from items and of recent foods. The foods catalogue's API
 * (POST /v1/foods) is built on another branch, so these insert rows with SQL; after the merge,
 * `createFood` can go through `POST /v1/foods` (custom foods) and keep SQL only for Open Food
 * Facts products, which no API creates directly.
 */

export type FoodRow = {
  id: string;
  name: string;
  per100g: { calories: number; proteinG: number; carbsG: number; fatG: number };
};

export type FoodOptions = {
  /** The owner of a custom food; omitted: an Open Food Facts product that everyone may see. */
  ownerId?: string;
  name?: string;
  per100g?: Partial<FoodRow["per100g"]>;
};

/** Inserts a food (as the catalogue stores them) and returns its id and numbers. */
export async function createFood(options: FoodOptions = {}): Promise<FoodRow> {
  const id = crypto.randomUUID();
  const name = options.name ?? `Food ${id.slice(0, 8)}`;
  const per100g = { calories: 100, proteinG: 10, carbsG: 10, fatG: 1, ...options.per100g };
  const openFoodFacts = options.ownerId === undefined;
  await sql(
    `insert into foods (id, owner_id, source, name, barcode, calories_per_100g, protein_g_per_100g,
                        carbs_g_per_100g, fat_g_per_100g, search_text)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, lower($4))`,
    [
      id,
      options.ownerId ?? null,
      openFoodFacts ? "openfoodfacts" : "custom",
      name,
      // A unique fake barcode per product (the catalogue keeps one product per barcode).
      openFoodFacts ? id.replaceAll("-", "").slice(0, 13) : null,
      per100g.calories,
      per100g.proteinG,
      per100g.carbsG,
      per100g.fatG,
    ],
  );
  return { id, name, per100g };
}

/** Changes a food's numbers and name (as an edit through the catalogue would). */
export const editFood = (id: string, name: string, calories: number) =>
  sql("update foods set name = $2, calories_per_100g = $3, updated_at = now() where id = $1", [
    id,
    name,
    calories,
  ]);

/** Deletes a food (as the catalogue's DELETE would). */
export const deleteFood = (id: string) => sql("delete from foods where id = $1", [id]);
