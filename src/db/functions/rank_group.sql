-- A player's place in a challenge's ranking, in the coarse terms the counts are kept in. The ranking
-- (src/services/ranking.ts): completed first, earlier completion first; then higher `current`;
-- then earlier join; then user id. Its group: every completed player is in one group, before all
-- others (the lowest int); the rest are grouped by minus `current`. Its time: when it completed, else
-- when it joined. Within a group, the ranking follows the time, so groups, then days, hours and minutes
-- of that time, cut the ranking into stretches that are whole.
CREATE OR REPLACE FUNCTION rank_group(completed_at timestamptz, current int) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN completed_at IS NULL THEN -current ELSE '-2147483648'::int END
$$;
