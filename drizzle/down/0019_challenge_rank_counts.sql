-- Rollback of drizzle/0019_challenge_rank_counts.sql.
DROP TRIGGER IF EXISTS challenge_participants_rank_deleted ON challenge_participants;
DROP TRIGGER IF EXISTS challenge_participants_rank_updated ON challenge_participants;
DROP TRIGGER IF EXISTS challenge_participants_rank_inserted ON challenge_participants;
DROP FUNCTION IF EXISTS count_rank_changes();
DROP FUNCTION IF EXISTS rank_bucket(int, timestamptz);
DROP FUNCTION IF EXISTS rank_time(timestamptz, timestamptz);
DROP FUNCTION IF EXISTS rank_group(timestamptz, int);
DROP TABLE IF EXISTS "challenge_rank_counts";
