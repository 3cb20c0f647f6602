-- Reverts 0014_log_items: the recent foods and food JSON functions, the log JSON without items (as
-- 0010_meal_photos left it), then the snapshot function.
DROP FUNCTION IF EXISTS recent_foods(uuid, int);
--> statement-breakpoint
DROP FUNCTION IF EXISTS food_json(foods, uuid);
--> statement-breakpoint
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
    'createdAt', iso_utc(l.created_at),
    'updatedAt', iso_utc(l.updated_at)
  )
$$;
--> statement-breakpoint
DROP FUNCTION IF EXISTS log_items_snapshot(uuid, jsonb);
