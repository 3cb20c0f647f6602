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
