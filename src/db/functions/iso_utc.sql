-- An instant as the API writes it: UTC, milliseconds, `Z` (the same text JavaScript's toISOString()
-- gives), so every timestamp in every answer has one form.
CREATE OR REPLACE FUNCTION iso_utc(ts timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
