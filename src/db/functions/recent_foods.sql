-- GET /v1/foods/recent: the user's most used foods of the last 30 days (by eaten_at), for one-tap
-- logging, counted from their logs' item snapshots: `uses` is how many logs had the food, ties go to
-- the most recently eaten; `lastGrams` is the amount of the latest use (the last such item of the
-- newest log). Joined to the foods the user may still see, so a deleted food drops out. The logs come
-- from the (user_id, eaten_at) index range of meal_logs_user_eaten_idx, never a scan of meal_logs.
CREATE OR REPLACE FUNCTION recent_foods(uid uuid, max_items int) RETURNS SETOF jsonb
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
