import { sql } from "drizzle-orm";
import { guarded } from "../db/session-guard";
import type { AuthContext, Services } from "../types";

/** How many recent foods GET /v1/foods/recent answers. */
export const RECENT_FOODS_LIMIT = 20;

/** A food as the API answers it (the catalogue's `food` shape). */
export type FoodJson = {
  id: string;
  name: string;
  brand: string | null;
  barcode: string | null;
  source: "custom" | "openfoodfacts";
  servingG: number | null;
  per100g: { calories: number; proteinG: number; carbsG: number; fatG: number };
  owned: boolean;
};

export type RecentFood = { food: FoodJson; uses: number; lastGrams: number; lastEatenAt: string };

/**
 * The caller's most used foods of the last 30 days, for one-tap logging: counted from their logs'
 * item snapshots (`uses`: how many logs had the food), most used first, then most recently eaten.
 * Joined to the foods the caller may still see, so a deleted food drops out. One round trip; the
 * logs come from the (user_id, eaten_at) index range, never a scan of meal_logs.
 */
export async function recentFoods(services: Services, auth: AuthContext): Promise<{ items: RecentFood[] }> {
  const { db } = services;
  const [result] = await guarded(db, auth.sessionId, [
    db.execute<{ item: RecentFood }>(sql`
      with used as (
        select (i.item ->> 'foodId')::uuid as food_id,
               count(distinct l.id)::int as uses,
               max(l.eaten_at) as last_eaten_at,
               -- The grams of the latest use (the last such item of the newest log).
               (array_agg((i.item ->> 'grams')::float8 order by l.eaten_at desc, l.id desc, i.ord desc))[1] as last_grams
        from meal_logs l
        cross join lateral jsonb_array_elements(l.items) with ordinality as i(item, ord)
        where l.user_id = ${auth.userId} and l.eaten_at >= now() - interval '30 days'
        group by 1
      )
      select jsonb_build_object(
        -- TODO(lead, at merge): the catalogue's own food JSON, once both branches meet.
        'food', jsonb_build_object(
          'id', f.id, 'name', f.name, 'brand', f.brand, 'barcode', f.barcode, 'source', f.source,
          'servingG', f.serving_g::float8,
          'per100g', jsonb_build_object('calories', f.calories_per_100g::float8,
            'proteinG', f.protein_g_per_100g::float8, 'carbsG', f.carbs_g_per_100g::float8,
            'fatG', f.fat_g_per_100g::float8),
          'owned', f.owner_id is not distinct from ${auth.userId}::uuid),
        'uses', u.uses, 'lastGrams', u.last_grams, 'lastEatenAt', iso_utc(u.last_eaten_at)) as item
      from used u
      join foods f on f.id = u.food_id and (f.owner_id = ${auth.userId} or f.source = 'openfoodfacts')
      order by u.uses desc, u.last_eaten_at desc, f.id
      limit ${RECENT_FOODS_LIMIT}`),
  ]);
  return { items: result.rows.map((row) => row.item) };
}
