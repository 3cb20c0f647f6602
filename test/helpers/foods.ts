import { inject } from "vitest";
import type { Food } from "../../src/services/foods";
import { sql } from "./db";
import { callJson } from "./http";

/** Factories and small clients for the foods suites (test/foods); every test builds its own foods. */

export type { Food };
export type FoodPage = { items: Food[]; nextCursor: string | null };

/** A valid create body; `name` made unique unless given, so searches in one test meet only its foods. */
export const validFood = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: "Homemade kimchi",
  per100g: { calories: 30, proteinG: 2, carbsG: 4.5, fatG: 0.5 },
  ...overrides,
});

export const postFood = (token: string | undefined, body: unknown, headers: Record<string, string> = {}) =>
  callJson<Food>("/v1/foods", { method: "POST", token, body, headers });

/** Creates a custom food and insists on 201. */
export async function createFood(token: string, overrides: Record<string, unknown> = {}): Promise<Food> {
  const { status, body } = await postFood(token, validFood(overrides));
  if (status !== 201) throw new Error(`createFood failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

export const getFood = (token: string | undefined, id: string) =>
  callJson<Food>(`/v1/foods/${id}`, { token });

export const patchFood = (token: string | undefined, id: string, body: unknown) =>
  callJson<Food>(`/v1/foods/${id}`, { method: "PATCH", token, body });

export const deleteFood = (token: string | undefined, id: string) =>
  callJson(`/v1/foods/${id}`, { method: "DELETE", token });

export const searchFoods = (
  token: string | undefined,
  q: string,
  extra: Record<string, string | number> = {},
) => {
  const params = new URLSearchParams({
    q,
    ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])),
  });
  return callJson<FoodPage>(`/v1/foods?${params}`, { token });
};

export const lookupBarcode = (token: string | undefined, code: string) =>
  callJson<Food>(`/v1/foods/barcode/${code}`, { token });

/** A word no other test uses, so a search sees only this test's foods. */
export const uniqueWord = () =>
  `z${crypto
    .randomUUID()
    .replaceAll("-", "")
    .slice(0, 10)
    .replace(/\d/g, (d) => "qwxyzvjkbp"[Number(d)]!)}`;

/** The GS1 check digit of the first 12 digits of an EAN-13 (or 7 of an EAN-8). */
export function withCheckDigit(body: string): string {
  let sum = 0;
  for (let i = body.length - 1, weight = 3; i >= 0; i--, weight = 4 - weight) sum += Number(body[i]) * weight;
  return `${body}${(10 - (sum % 10)) % 10}`;
}

/**
 * A fresh EAN-13 in GS1's in-store range (200..299): the stand-in makes up a product for it
 * (stack/openfoodfacts-fixtures.ts). With `unknown`, a random code under prefix 49 (Japan) that
 * the stand-in does not know: 404.
 */
export function freshBarcode(kind: "generated" | "unknown" = "generated"): string {
  const digits = Array.from(crypto.getRandomValues(new Uint8Array(10)), (byte) => byte % 10).join("");
  return withCheckDigit(kind === "generated" ? `20${digits}` : `49${digits}`);
}

/** The stand-in's fixtures (test data). */
export const FIXTURES = {
  korean: "8801043014830",
  kilojoulesOnly: "4000000000013",
  legacyEnergy: "96385074",
  unusable: "5000000000012",
} as const;

/**
 * Breaks (or mends) the Open Food Facts stand-in for one code: `error` → 500, `hang` → no answer,
 * `slow` → answers after 500 ms.
 */
export async function offFault(code: string, fault: "error" | "hang" | "slow" | "none") {
  const response = await fetch(`${inject("openFoodFactsControlUrl")}/products/${code}/fault`, {
    method: "POST",
    body: JSON.stringify({ fault }),
  });
  if (!response.ok) throw new Error(`offFault failed: ${response.status}`);
}

/** How many lookups the stand-in served for URLs tagged `/__tag/<tag>`. */
export async function offRequests(tag: string): Promise<number> {
  const response = await fetch(`${inject("openFoodFactsControlUrl")}/stats?tag=${tag}`);
  return ((await response.json()) as { requests: number }).requests;
}

/*
 * Rows written straight into `foods` with SQL, for the suites of logs built from items and of recent
 * foods: Open Food Facts products (which no API creates directly) and custom foods of any owner, with
 * chosen numbers; `editFoodRow` / `deleteFoodRow` change them behind the API's back, as a later edit
 * would, to prove the logs' snapshots do not move.
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
export async function insertFood(options: FoodOptions = {}): Promise<FoodRow> {
  const id = crypto.randomUUID();
  const name = options.name ?? `Food ${id.slice(0, 8)}`;
  const per100g = { calories: 100, proteinG: 10, carbsG: 10, fatG: 1, ...options.per100g };
  const openFoodFacts = options.ownerId === undefined;
  await sql(
    `insert into foods (id, owner_id, source, name, barcode, calories_per_100g, protein_g_per_100g,
                        carbs_g_per_100g, fat_g_per_100g, search_text)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, lower($4) || E'\\n')`,
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
export const editFoodRow = (id: string, name: string, calories: number) =>
  sql("update foods set name = $2, calories_per_100g = $3, updated_at = now() where id = $1", [
    id,
    name,
    calories,
  ]);

/** Deletes a food (as the catalogue's DELETE would). */
export const deleteFoodRow = (id: string) => sql("delete from foods where id = $1", [id]);
