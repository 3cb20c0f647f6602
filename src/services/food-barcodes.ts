import { sql } from "drizzle-orm";
import { guarded, guardedRead } from "../db/session-guard";
import { barcodeProblem, canonicalBarcode } from "../lib/barcode";
import { ApiError, RETRY_AFTER_SECONDS } from "../lib/errors";
import { uuidv7 } from "../lib/ids";
import type { AuthContext, Services } from "../types";
import { type Food, type FoodInput, foodJson, searchTextOf } from "./foods";

/**
 * `GET /v1/foods/barcode/:code`: the shared product from the database, else from Open Food Facts'
 * read API (https://openfoodfacts.github.io/openfoodfacts-server/api/), then stored so the next
 * lookup is local. A hit is 1 round trip; a miss is 1 select, the provider, 1 insert.
 */

/** Open Food Facts asks every API client to identify itself: app name, version, contact. */
export const OPEN_FOOD_FACTS_USER_AGENT = "Sikdan/0.1 (https://sikdan.app; api@sikdan.app)";
/** How long a lookup waits for Open Food Facts before answering 503. */
export const OPEN_FOOD_FACTS_TIMEOUT_MS = 3000;
/** A code no source knows is remembered this long (Redis), so rescans do not ask again. */
export const UNKNOWN_BARCODE_TTL_SECONDS = 3600;
const FIELDS = "code,product_name,product_name_ko,brands,serving_quantity,nutriments";
const KJ_PER_KCAL = 4.184;

type ProviderAnswer = { found: true; product: FoodInput & { barcode: string } } | { found: false };

const unknownKey = (code: string) => `foods:barcode-unknown:${code}`;

const unknownBarcode = () =>
  new ApiError("NOT_FOUND", { detail: "No product with this barcode is known to Open Food Facts." });

const providerDown = (cause?: unknown) =>
  new ApiError("SERVICE_UNAVAILABLE", {
    detail: "Open Food Facts did not answer; try again later.",
    headers: { "Retry-After": String(RETRY_AFTER_SECONDS) },
    cause,
  });

export async function lookupBarcode(services: Services, auth: AuthContext, rawCode: string): Promise<Food> {
  const problem = barcodeProblem(rawCode);
  if (problem) throw ApiError.invalid([{ path: "code", message: problem }]);
  const code = canonicalBarcode(rawCode);
  const { db, cache } = services;
  const stored = await guardedRead(
    db,
    auth.sessionId,
    db.execute<{ food: Food }>(sql`
      select ${foodJson(auth.userId)} as food from foods f
      where f.barcode = ${code} and f.source = 'openfoodfacts'`),
  );
  if (stored.rows[0]) return stored.rows[0].food;
  // A Redis fault reads as "not remembered" (the cache's breaker): the provider is asked.
  if (await cache.getJson<number>(unknownKey(code))) throw unknownBarcode();
  const answer = await askOnce(code, () => askOpenFoodFacts(services, code));
  if (!answer.found) {
    services.defer(cache.setJson(unknownKey(code), 1, UNKNOWN_BARCODE_TTL_SECONDS));
    throw unknownBarcode();
  }
  return storeProduct(services, auth, answer.product);
}

/** One in-flight question per code in this isolate: concurrent first scans share the answer. */
const inFlight = new Map<string, Promise<ProviderAnswer>>();

function askOnce(code: string, ask: () => Promise<ProviderAnswer>): Promise<ProviderAnswer> {
  let pending = inFlight.get(code);
  if (!pending) {
    pending = ask().finally(() => inFlight.delete(code));
    inFlight.set(code, pending);
  }
  return pending;
}

/**
 * Stores a product once: concurrent first lookups (other isolates) meet on the unique barcode
 * index, and `do update` (a no-op) returns the row that won either way.
 */
async function storeProduct(services: Services, auth: AuthContext, product: FoodInput & { barcode: string }) {
  const { db } = services;
  const { per100g } = product;
  const [inserted] = await guarded(db, auth.sessionId, [
    db.execute<{ food: Food }>(sql`
      insert into foods as f (id, owner_id, source, name, brand, barcode, serving_g, calories_per_100g,
                              protein_g_per_100g, carbs_g_per_100g, fat_g_per_100g, search_text)
      values (${uuidv7()}, null, 'openfoodfacts', ${product.name}, ${product.brand}, ${product.barcode},
              ${product.servingG}, ${per100g.calories}, ${per100g.proteinG}, ${per100g.carbsG}, ${per100g.fatG},
              ${searchTextOf(product.name, product.brand)})
      on conflict (barcode) where source = 'openfoodfacts' do update set barcode = excluded.barcode
      returning ${foodJson(auth.userId)} as food`),
  ]);
  const row = inserted.rows[0];
  if (!row) throw new ApiError("INTERNAL", { detail: "The product could not be stored." });
  return row.food;
}

/**
 * `GET {OPENFOODFACTS_URL}/api/v2/product/{code}.json`. Found: 200 with `status: 1` and `product`.
 * Unknown: v2 answers 404 with `status: 0` ("product not found"). Anything else (another status, no
 * JSON, a network error, no answer within the timeout) is the provider failing: 503, nothing cached.
 */
async function askOpenFoodFacts(services: Services, code: string): Promise<ProviderAnswer> {
  const url = `${services.config.openFoodFactsUrl}/api/v2/product/${code}.json?fields=${FIELDS}`;
  let body: { status?: unknown; product?: unknown };
  let status: number;
  try {
    const response = await fetch(url, {
      headers: { "User-Agent": OPEN_FOOD_FACTS_USER_AGENT, Accept: "application/json" },
      signal: AbortSignal.timeout(OPEN_FOOD_FACTS_TIMEOUT_MS),
    });
    status = response.status;
    body = await response.json();
  } catch (err) {
    services.logger.warn("Open Food Facts lookup failed", { code, err });
    throw providerDown(err);
  }
  const unknown = body.status === 0 || body.status === "0";
  if (status === 404 && unknown) return { found: false };
  if (status !== 200 || (body.status !== 1 && !unknown)) {
    services.logger.warn("Open Food Facts answered unexpectedly", { code, status });
    throw providerDown();
  }
  const product = unknown ? undefined : productFrom(body.product, code);
  return product ? { found: true, product } : { found: false };
}

const numberOf = (value: unknown) => {
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof number === "number" && Number.isFinite(number) ? number : undefined;
};

/** Trimmed text without NUL, cut to `max` characters; undefined when nothing is left. */
const textOf = (value: unknown, max: number) => {
  if (typeof value !== "string") return undefined;
  const text = Array.from(value.replaceAll("\u0000", "").trim()).slice(0, max).join("").trim();
  return text === "" ? undefined : text;
};

const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * Our food from Open Food Facts' product JSON. The Korean name (`product_name_ko`) is preferred;
 * energy is `energy-kcal_100g`, else kJ (`energy-kj_100g`, else `energy_100g`, which OFF keeps in
 * kJ) / 4.184. Macros missing from the product count as 0 and are clamped to 0..100 g.
 * A product without a usable name, or without energy in 0..1000 kcal per 100 g, is unusable:
 * answered as not found.
 */
export function productFrom(raw: unknown, code: string): (FoodInput & { barcode: string }) | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const product = raw as Record<string, unknown>;
  const name = textOf(product.product_name_ko, 200) ?? textOf(product.product_name, 200);
  const nutriments = (typeof product.nutriments === "object" && product.nutriments) || {};
  const nutrient = (key: string) => numberOf((nutriments as Record<string, unknown>)[key]);
  const kilojoules = nutrient("energy-kj_100g") ?? nutrient("energy_100g");
  const calories =
    nutrient("energy-kcal_100g") ?? (kilojoules === undefined ? undefined : kilojoules / KJ_PER_KCAL);
  if (!name || calories === undefined || calories < 0 || calories > 1000) return undefined;
  const grams = (key: string) => round2(Math.min(100, Math.max(0, nutrient(key) ?? 0)));
  const serving = numberOf(product.serving_quantity);
  return {
    name,
    brand: textOf(product.brands, 200) ?? null,
    barcode: code,
    servingG: serving !== undefined && serving >= 0.1 && serving <= 5000 ? round2(serving) : null,
    per100g: {
      calories: round2(calories),
      proteinG: grams("proteins_100g"),
      carbsG: grams("carbohydrates_100g"),
      fatG: grams("fat_100g"),
    },
  };
}
