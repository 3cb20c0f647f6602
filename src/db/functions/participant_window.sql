-- A participant's window of local days (inclusive; end null = open-ended), in one place for joins and
-- for a creator's change of the challenge before it starts. With duration_days, the window is that
-- many of the participant's days from the day they joined (not before the challenge's first day);
-- without, the challenge's own days. Either way it never runs past the challenge's last day.
CREATE OR REPLACE FUNCTION participant_window(
  starts_at timestamptz, ends_at timestamptz, duration_days int,
  zone text, day_start_hour int, joined_at timestamptz,
  OUT window_start date, OUT window_end date)
LANGUAGE sql STABLE AS $$
  SELECT w.first_day,
         least(CASE WHEN duration_days IS NULL THEN NULL ELSE w.first_day + duration_days - 1 END,
               CASE WHEN ends_at IS NULL THEN NULL
                    ELSE local_day(ends_at - interval '1 microsecond', zone, day_start_hour) END)
  FROM (SELECT CASE WHEN duration_days IS NULL THEN local_day(starts_at, zone, day_start_hour)
                    ELSE greatest(local_day(joined_at, zone, day_start_hour), local_day(starts_at, zone, day_start_hour))
               END AS first_day) w
$$;
