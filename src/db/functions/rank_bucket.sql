-- The stretch of a time at a level of challenge_rank_counts: 0 the whole group, 1 its UTC day, 2 its
-- hour, 3 its minute.
CREATE OR REPLACE FUNCTION rank_bucket(level int, at timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
  SELECT CASE level WHEN 0 THEN '-infinity'::timestamptz
                    WHEN 1 THEN date_trunc('day', at, 'UTC')
                    WHEN 2 THEN date_trunc('hour', at, 'UTC')
                    ELSE date_trunc('minute', at, 'UTC') END
$$;
