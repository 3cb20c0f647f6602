-- Reverts 0010_meal_photos: the log JSON without the photo key, then the index and the column.
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
DROP INDEX IF EXISTS "meal_logs_photo_key_idx";
--> statement-breakpoint
ALTER TABLE "meal_logs" DROP COLUMN IF EXISTS "photo_key";
