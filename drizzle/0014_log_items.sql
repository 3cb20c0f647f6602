-- Logs built from foods (POST/PATCH /v1/logs with `items`). The items are resolved and summed here,
-- inside the write's own statement, so a log from items is still one atomic round trip.
--
-- log_items_snapshot(uid, requested): `requested` is `[{ foodId, grams }]` as the API validated it.
-- Each item is looked up among the foods `uid` may see (their own custom foods and every Open Food
-- Facts product); one they may not see (unknown, or another user's custom food: the same answer)
-- raises SK400 with the item's field path (`items.<i>.foodId`) as DETAIL, aborting the whole batch.
-- The answer is the snapshot the log keeps, and its totals:
--   - grams are kept to 2 decimals, and every number is computed from the kept grams;
--   - each item's calories and macros are per100g × grams / 100 rounded to 1 decimal (for display);
--   - the log's totals are the EXACT sums rounded once (calories to an integer, macros to 1 decimal),
--     not sums of the rounded items, so rounding errors do not add up over 30 items;
--   - totals beyond what a log holds (10000 kcal, 1000 g of a macro) raise SK400 naming `items`.
-- PostgreSQL's numeric round() rounds halves away from zero.
CREATE FUNCTION log_items_snapshot(
  uid uuid, requested jsonb,
  OUT items jsonb, OUT calories int, OUT protein_g numeric, OUT carbs_g numeric, OUT fat_g numeric
)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  unseen bigint;
BEGIN
  SELECT r.ord - 1 INTO unseen
  FROM jsonb_array_elements(requested) WITH ORDINALITY AS r(item, ord)
  WHERE NOT EXISTS (
    SELECT 1 FROM foods f
    WHERE f.id = (r.item->>'foodId')::uuid AND (f.owner_id = uid OR f.source = 'openfoodfacts')
  )
  ORDER BY r.ord LIMIT 1;
  IF unseen IS NOT NULL THEN
    RAISE EXCEPTION 'no food with this id' USING ERRCODE = 'SK400', DETAIL = format('items.%s.foodId', unseen);
  END IF;

  WITH exact AS (
    SELECT r.ord, f.id, f.name, g.grams,
           f.calories_per_100g * g.grams / 100 AS kcal,
           f.protein_g_per_100g * g.grams / 100 AS protein,
           f.carbs_g_per_100g * g.grams / 100 AS carbs,
           f.fat_g_per_100g * g.grams / 100 AS fat
    FROM jsonb_array_elements(requested) WITH ORDINALITY AS r(item, ord)
    CROSS JOIN LATERAL (SELECT round((r.item->>'grams')::numeric, 2) AS grams) g
    JOIN foods f ON f.id = (r.item->>'foodId')::uuid
  )
  SELECT
    coalesce(jsonb_agg(jsonb_build_object(
      'foodId', e.id,
      'name', e.name,
      'grams', e.grams::float8,
      'calories', round(e.kcal, 1)::float8,
      'proteinG', round(e.protein, 1)::float8,
      'carbsG', round(e.carbs, 1)::float8,
      'fatG', round(e.fat, 1)::float8
    ) ORDER BY e.ord), '[]'::jsonb),
    coalesce(round(sum(e.kcal)), 0)::int,
    coalesce(round(sum(e.protein), 1), 0),
    coalesce(round(sum(e.carbs), 1), 0),
    coalesce(round(sum(e.fat), 1), 0)
  INTO items, calories, protein_g, carbs_g, fat_g
  FROM exact e;

  IF calories > 10000 OR protein_g > 1000 OR carbs_g > 1000 OR fat_g > 1000 THEN
    RAISE EXCEPTION 'these items add up to more than a log holds (10000 kcal, 1000 g of each macro)'
      USING ERRCODE = 'SK400', DETAIL = 'items';
  END IF;
END
$$;
--> statement-breakpoint
-- The log's JSON now carries its items (`[]` for a log of typed-in numbers), so every path that
-- answers logs (writes, reads, the list, replays, the export, the cache) shows them.
CREATE OR REPLACE FUNCTION meal_log_json(l meal_logs) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_object(
    'id', l.id,
    'mealType', l.meal_type,
    'eatenAt', iso_utc(l.eaten_at),
    'localDate', to_char(l.local_date, 'YYYY-MM-DD'),
    'title', l.title,
    'note', l.note,
    'photoUrl', l.photo_url,
    'photoKey', l.photo_key,
    'calories', l.calories,
    'proteinG', l.protein_g::float8,
    'carbsG', l.carbs_g::float8,
    'fatG', l.fat_g::float8,
    'tags', to_jsonb(l.tags),
    'items', l.items,
    'createdAt', iso_utc(l.created_at),
    'updatedAt', iso_utc(l.updated_at)
  )
$$;
--> statement-breakpoint
-- The API's JSON shape of a food for a caller `uid` (`owned`: they created it): the one builder of
-- it, used by every read and write of foods (src/services/foods.ts) and by recent_foods().
CREATE FUNCTION food_json(f foods, uid uuid) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_object(
    'id', f.id,
    'name', f.name,
    'brand', f.brand,
    'barcode', f.barcode,
    'source', f.source,
    'servingG', f.serving_g::float8,
    'per100g', jsonb_build_object(
      'calories', f.calories_per_100g::float8,
      'proteinG', f.protein_g_per_100g::float8,
      'carbsG', f.carbs_g_per_100g::float8,
      'fatG', f.fat_g_per_100g::float8
    ),
    'owned', f.owner_id IS NOT DISTINCT FROM uid
  )
$$;
--> statement-breakpoint
-- GET /v1/foods/recent: the user's most used foods of the last 30 days (by eaten_at), for one-tap
-- logging, counted from their logs' item snapshots: `uses` is how many logs had the food, ties go to
-- the most recently eaten; `lastGrams` is the amount of the latest use (the last such item of the
-- newest log). Joined to the foods the user may still see, so a deleted food drops out. The logs come
-- from the (user_id, eaten_at) index range of meal_logs_user_eaten_idx, never a scan of meal_logs.
CREATE FUNCTION recent_foods(uid uuid, max_items int) RETURNS SETOF jsonb
LANGUAGE sql STABLE AS $$
  WITH used AS (
    SELECT (i.item->>'foodId')::uuid AS food_id,
           count(DISTINCT l.id)::int AS uses,
           max(l.eaten_at) AS last_eaten_at,
           (array_agg((i.item->>'grams')::float8 ORDER BY l.eaten_at DESC, l.id DESC, i.ord DESC))[1] AS last_grams
    FROM meal_logs l
    CROSS JOIN LATERAL jsonb_array_elements(l.items) WITH ORDINALITY AS i(item, ord)
    WHERE l.user_id = uid AND l.eaten_at >= now() - interval '30 days'
    GROUP BY 1
  )
  SELECT jsonb_build_object(
    'food', food_json(f, uid),
    'uses', u.uses,
    'lastGrams', u.last_grams,
    'lastEatenAt', iso_utc(u.last_eaten_at)
  )
  FROM used u
  JOIN foods f ON f.id = u.food_id AND (f.owner_id = uid OR f.source = 'openfoodfacts')
  ORDER BY u.uses DESC, u.last_eaten_at DESC, f.id
  LIMIT max_items
$$;
