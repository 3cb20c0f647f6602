-- The user's calendar day of an instant: wall-clock time in their zone, less their day start, so a
-- 02:00 snack with a day start of 4 counts for the day before. PostgreSQL's own IANA database does
-- the zone arithmetic (DST days are 23 or 25 hours long).
CREATE OR REPLACE FUNCTION local_day(ts timestamptz, zone text, day_start_hour int) RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT ((ts AT TIME ZONE zone) - make_interval(hours => day_start_hour))::date
$$;
