-- Rollback of drizzle/0009_login_failures.sql.
DROP FUNCTION IF EXISTS consume_login_attempt(text, int, interval);
DROP TABLE IF EXISTS "login_failures";
