-- Rollback of drizzle/0015_deferred_account_purge.sql.
DROP INDEX IF EXISTS "write_events_user_id_idx";
DROP INDEX IF EXISTS "users_deleted_at_idx";
ALTER TABLE "users" DROP COLUMN IF EXISTS "deleted_at";
