-- Current and longest run of consecutive local days with a log. The current run is alive until the
-- user's first day without a log has passed (a run ending yesterday still counts).
CREATE OR REPLACE FUNCTION user_streaks(uid uuid, OUT current_streak int, OUT longest_streak int)
LANGUAGE sql STABLE AS $$
  WITH me AS (
    SELECT local_day(now(), u.timezone, u.day_start_hour) AS today FROM users u WHERE u.id = uid
  ), days AS (
    SELECT DISTINCT local_date AS day FROM meal_logs WHERE user_id = uid
  ), runs AS (
    SELECT max(day) AS last_day, count(*)::int AS length
    FROM (SELECT day, day - (row_number() OVER (ORDER BY day))::int AS run FROM days) numbered
    GROUP BY run
  )
  SELECT
    coalesce((SELECT r.length FROM runs r, me WHERE r.last_day >= me.today - 1 ORDER BY r.last_day DESC LIMIT 1), 0),
    coalesce((SELECT max(length) FROM runs), 0)
$$;
