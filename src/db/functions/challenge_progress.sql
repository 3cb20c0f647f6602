-- Progress of one participant under one rule, over their window of local days [ws, we] (we null:
-- open-ended). `today` is the participant's local day: calorie caps only count finished days.
CREATE OR REPLACE FUNCTION challenge_progress(rule jsonb, uid uuid, ws date, we date, today date) RETURNS int
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
