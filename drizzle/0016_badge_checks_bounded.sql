-- apply_log_write's badge checks, bounded: a write of a user with years of logs recounted the whole
-- diary (all logs, every logged day's streak) to award badges that are awarded once. Now the log
-- count stops at 100 (the largest count a badge needs), and the counts whose badges the user already
-- holds are not computed at all. Awards are unchanged: a badge still held is never awarded again
-- (ON CONFLICT DO NOTHING), and a badge not held is checked as before.
CREATE OR REPLACE FUNCTION apply_log_write(uid uuid, write_id uuid) RETURNS SETOF jsonb
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
    WITH held AS (
      SELECT coalesce(array_agg(badge_code), '{}') AS codes FROM user_badges WHERE user_id = uid
    ), totals AS (
      -- Enough to tell 1 from 100, never the whole diary; nothing once both badges are held.
      SELECT count(*) AS logs FROM (SELECT 1 FROM meal_logs WHERE user_id = uid LIMIT 100) counted
      WHERE NOT (SELECT codes @> ARRAY['first_log', 'logs_100'] FROM held)
    ), streaks AS (
      -- The longest run reads every logged day: only while a streak badge is still to earn.
      SELECT longest_streak FROM user_streaks(uid)
      WHERE NOT (SELECT codes @> ARRAY['streak_3', 'streak_7', 'streak_30'] FROM held)
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
