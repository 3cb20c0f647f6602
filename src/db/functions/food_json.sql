-- The API's JSON shape of a food for a caller `uid` (`owned`: they created it): the one builder of
-- it, used by every read and write of foods (src/services/foods.ts) and by recent_foods().
CREATE OR REPLACE FUNCTION food_json(f foods, uid uuid) RETURNS jsonb
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
