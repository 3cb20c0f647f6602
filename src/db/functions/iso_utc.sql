-- The API's JSON shape of a meal log, in one place, so every statement that returns logs (create,
-- patch, list, idempotent replays, exports) answers in a single round trip with the same shape.
CREATE OR REPLACE FUNCTION iso_utc(ts timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
