-- Rollback of drizzle/0017_challenge_participant_counts.sql.
DROP TRIGGER IF EXISTS challenge_participants_left ON challenge_participants;
DROP TRIGGER IF EXISTS challenge_participants_joined ON challenge_participants;
DROP FUNCTION IF EXISTS count_left_participants();
DROP FUNCTION IF EXISTS count_joined_participants();
DROP TABLE IF EXISTS "challenge_participant_counts";
