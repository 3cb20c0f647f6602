-- Reverts 0003_meal_log_json.
DROP FUNCTION local_day(timestamptz, text, int);
DROP FUNCTION meal_log_json(meal_logs);
DROP FUNCTION iso_utc(timestamptz);
