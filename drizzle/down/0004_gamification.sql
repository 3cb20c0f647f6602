-- Reverts 0004_gamification: challenges, participants, badges, awards and write events.
DROP TABLE "write_events";
DROP TABLE "user_badges";
DROP TABLE "challenge_participants";
DROP TABLE "challenges";
DROP TABLE "badges";
