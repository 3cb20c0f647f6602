CREATE OR REPLACE FUNCTION rank_time(completed_at timestamptz, joined_at timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(completed_at, joined_at)
$$;
