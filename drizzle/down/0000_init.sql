-- Reverts 0000_init: the account and session tables (their rows go with them).
DROP TABLE "refresh_tokens";
DROP TABLE "sessions";
DROP TABLE "users";
