-- The gamification engine. Rules are data (`challenges.rule`), evaluated here, next to the logs, so a
-- log write, the progress of every challenge it moves and any awards are one atomic round trip.
-- Adding a rule type: one WHEN below (a new migration replacing this function) and one member of the
-- API's rule schema (src/routes/challenges/challenges.schemas.ts).

-- Current and longest run of consecutive local days with a log. The current run is alive until the
-- user's first day without a log has passed (a run ending yesterday still counts).
CREATE FUNCTION user_streaks(uid uuid, OUT current_streak int, OUT longest_streak int)
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
--> statement-breakpoint
-- Progress of one participant under one rule, over their window of local days [ws, we] (we null:
-- open-ended). `today` is the participant's local day: calorie caps only count finished days.
CREATE FUNCTION challenge_progress(rule jsonb, uid uuid, ws date, we date, today date) RETURNS int
LANGUAGE plpgsql STABLE AS $$
DECLARE
  result int;
BEGIN
  CASE rule->>'type'
  WHEN 'log_days' THEN
    SELECT count(DISTINCT local_date) INTO result FROM meal_logs
    WHERE user_id = uid AND local_date >= ws AND (we IS NULL OR local_date <= we);
  WHEN 'meal_count' THEN
    SELECT count(*) INTO result FROM meal_logs
    WHERE user_id = uid AND local_date >= ws AND (we IS NULL OR local_date <= we)
      AND (rule->>'mealType' IS NULL OR meal_type = rule->>'mealType');
  WHEN 'tag_count' THEN
    SELECT count(*) INTO result FROM meal_logs
    WHERE user_id = uid AND local_date >= ws AND (we IS NULL OR local_date <= we)
      AND tags @> ARRAY[rule->>'tag'];
  WHEN 'streak_days' THEN
    SELECT coalesce(max(length), 0) INTO result FROM (
      SELECT count(*)::int AS length
      FROM (
        SELECT day, day - (row_number() OVER (ORDER BY day))::int AS run
        FROM (SELECT DISTINCT local_date AS day FROM meal_logs
              WHERE user_id = uid AND local_date >= ws AND (we IS NULL OR local_date <= we)) days
      ) numbered
      GROUP BY run
    ) runs;
  WHEN 'calorie_cap_days' THEN
    SELECT count(*) INTO result FROM (
      SELECT local_date FROM meal_logs
      WHERE user_id = uid AND local_date >= ws AND (we IS NULL OR local_date <= we) AND local_date < today
      GROUP BY local_date
      HAVING coalesce(sum(calories), 0) <= (rule->>'maxCalories')::int
    ) capped;
  ELSE
    RAISE EXCEPTION 'unknown challenge rule type %', rule->>'type';
  END CASE;
  RETURN least(coalesce(result, 0), (rule->>'target')::int);
END
$$;
--> statement-breakpoint
-- After a log write: recompute every open participation of the user, complete those that reached
-- their target (once: completed_at is never cleared), award badges (once: user_badges' primary key
-- and ON CONFLICT DO NOTHING), record the events under the write's id and return them. Callers
-- lock the user row earlier in the same transaction, so concurrent writes of one user see each
-- other's logs.
CREATE FUNCTION apply_log_write(uid uuid, write_id uuid) RETURNS SETOF jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  today date;
  seq int := 0;
  r record;
  event jsonb;
BEGIN
  SELECT local_day(now(), u.timezone, u.day_start_hour) INTO today FROM users u WHERE u.id = uid;
  FOR r IN
    WITH computed AS (
      SELECT p.challenge_id, p.completed_at AS was_completed_at, (c.rule->>'target')::int AS target,
             challenge_progress(c.rule, uid, p.window_start, p.window_end, today) AS progress
      FROM challenge_participants p JOIN challenges c ON c.id = p.challenge_id
      WHERE p.user_id = uid AND c.closed_at IS NULL
    )
    UPDATE challenge_participants p
       SET current = computed.progress,
           completed_at = coalesce(p.completed_at, CASE WHEN computed.progress >= computed.target THEN now() END)
      FROM computed
     WHERE p.challenge_id = computed.challenge_id AND p.user_id = uid
       AND (p.current <> computed.progress OR (p.completed_at IS NULL AND computed.progress >= computed.target))
    RETURNING p.challenge_id, p.current, computed.target, p.joined_at, p.completed_at,
              computed.was_completed_at IS NULL AND p.completed_at IS NOT NULL AS just_completed
  LOOP
    seq := seq + 1;
    event := jsonb_build_object('type', 'challenge_progress', 'challengeId', r.challenge_id,
      'current', r.current, 'target', r.target,
      'joinedAt', iso_utc(r.joined_at), 'completedAt', iso_utc(r.completed_at));
    INSERT INTO write_events (write_id, seq, user_id, payload) VALUES (write_id, seq, uid, event);
    RETURN NEXT event;
    IF r.just_completed THEN
      seq := seq + 1;
      event := jsonb_build_object('type', 'challenge_completed', 'challengeId', r.challenge_id,
        'completedAt', iso_utc(r.completed_at));
      INSERT INTO write_events (write_id, seq, user_id, payload) VALUES (write_id, seq, uid, event);
      RETURN NEXT event;
    END IF;
  END LOOP;

  FOR r IN
    WITH totals AS (
      SELECT count(*) AS logs FROM meal_logs WHERE user_id = uid
    ), streaks AS (
      SELECT longest_streak FROM user_streaks(uid)
    ), completions AS (
      SELECT count(*) AS done FROM challenge_participants WHERE user_id = uid AND completed_at IS NOT NULL
    ), earned(code) AS (
      SELECT 'first_log' FROM totals WHERE logs >= 1
      UNION ALL SELECT 'logs_100' FROM totals WHERE logs >= 100
      UNION ALL SELECT 'streak_3' FROM streaks WHERE longest_streak >= 3
      UNION ALL SELECT 'streak_7' FROM streaks WHERE longest_streak >= 7
      UNION ALL SELECT 'streak_30' FROM streaks WHERE longest_streak >= 30
      UNION ALL SELECT 'first_challenge' FROM completions WHERE done >= 1
      UNION ALL SELECT 'challenges_5' FROM completions WHERE done >= 5
      UNION ALL
      SELECT c.badge_code FROM challenge_participants p JOIN challenges c ON c.id = p.challenge_id
      WHERE p.user_id = uid AND p.completed_at IS NOT NULL AND c.badge_code IS NOT NULL
    ), awarded AS (
      INSERT INTO user_badges (user_id, badge_code)
      SELECT uid, code FROM earned
      ON CONFLICT DO NOTHING
      RETURNING badge_code, earned_at
    )
    SELECT b.code, b.name, b.description, b.icon, a.earned_at
    FROM awarded a JOIN badges b ON b.code = a.badge_code
    ORDER BY b.sort_order
  LOOP
    seq := seq + 1;
    event := jsonb_build_object('type', 'badge_awarded', 'badge', jsonb_build_object(
      'code', r.code, 'name', r.name, 'description', r.description, 'icon', r.icon,
      'earnedAt', iso_utc(r.earned_at)));
    INSERT INTO write_events (write_id, seq, user_id, payload) VALUES (write_id, seq, uid, event);
    RETURN NEXT event;
  END LOOP;
END
$$;
--> statement-breakpoint
INSERT INTO badges (code, name, description, icon, sort_order) VALUES
  ('first_log', 'First bite', 'Logged a first meal.', '🍚', 10),
  ('streak_3', 'Three in a row', 'Logged meals 3 days in a row.', '🔥', 20),
  ('streak_7', 'A full week', 'Logged meals 7 days in a row.', '📅', 30),
  ('streak_30', 'Month of meals', 'Logged meals 30 days in a row.', '🏆', 40),
  ('logs_100', 'Centurion', 'Logged 100 meals.', '💯', 50),
  ('first_challenge', 'Challenger', 'Completed a first challenge.', '🎯', 60),
  ('challenges_5', 'Serial achiever', 'Completed 5 challenges.', '🥇', 70),
  ('challenge_week_streak', 'Week streak', 'Completed the official 7-day streak challenge.', '🗓️', 100),
  ('challenge_veggie_five', 'Green week', 'Completed the official 5 vegetable meals challenge.', '🥦', 110),
  ('challenge_breakfast_club', 'Breakfast club', 'Completed the official 30 breakfasts challenge.', '🍳', 120),
  ('challenge_light_days', 'Light days', 'Completed the official light days challenge.', '🪶', 130);
--> statement-breakpoint
INSERT INTO challenges (id, title, description, rule, starts_at, ends_at, duration_days, official, badge_code) VALUES
  ('01936f00-0000-7000-8000-000000000001', 'A 7-day streak',
   'Log at least one meal every day for 7 days in a row, within 14 days of joining.',
   '{"type": "streak_days", "target": 7}', '2025-01-01T00:00:00Z', NULL, 14, true, 'challenge_week_streak'),
  ('01936f00-0000-7000-8000-000000000002', 'Five green meals',
   'Log 5 meals tagged "vegetable" within 7 days of joining.',
   '{"type": "tag_count", "target": 5, "tag": "vegetable"}', '2025-01-01T00:00:00Z', NULL, 7, true, 'challenge_veggie_five'),
  ('01936f00-0000-7000-8000-000000000003', 'Breakfast club',
   'Log 30 breakfasts within 45 days of joining.',
   '{"type": "meal_count", "target": 30, "mealType": "breakfast"}', '2025-01-01T00:00:00Z', NULL, 45, true, 'challenge_breakfast_club'),
  ('01936f00-0000-7000-8000-000000000004', 'Light days',
   'Finish 5 days at or under 1,800 kcal (with at least one meal logged) within 10 days of joining.',
   '{"type": "calorie_cap_days", "target": 5, "maxCalories": 1800}', '2025-01-01T00:00:00Z', NULL, 10, true, 'challenge_light_days');
