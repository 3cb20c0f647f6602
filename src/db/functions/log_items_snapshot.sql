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
CREATE OR REPLACE FUNCTION log_items_snapshot(
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
