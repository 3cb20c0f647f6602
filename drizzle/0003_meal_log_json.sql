-- The API's JSON shape of a meal log, in one place, so every statement that returns logs (create,
-- patch, list, idempotent replays, exports) answers in a single round trip with the same shape.
CREATE FUNCTION iso_utc(ts timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
--> statement-breakpoint
CREATE FUNCTION meal_log_json(l meal_logs) RETURNS jsonb
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
-- The user's calendar day of an instant: wall-clock time in their zone, less their day start, so a
-- 02:00 snack with a day start of 4 counts for the day before. PostgreSQL's own IANA database does
-- the zone arithmetic (DST days are 23 or 25 hours long).
CREATE FUNCTION local_day(ts timestamptz, zone text, day_start_hour int) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT ((ts AT TIME ZONE zone) - make_interval(hours => day_start_hour))::date
$$;
