-- Rollback of drizzle/0012_background_chunks.sql.
DROP INDEX IF EXISTS "sessions_revoked_at_idx";
DROP INDEX IF EXISTS "meal_logs_user_id_idx";
DROP INDEX IF EXISTS "challenges_calorie_cap_open_idx";
DROP INDEX IF EXISTS "challenges_to_close_idx";
DROP INDEX IF EXISTS "challenge_participants_final_rank_idx";
DROP INDEX IF EXISTS "challenge_participants_rank_idx";
DROP TABLE IF EXISTS "job_cursors";
