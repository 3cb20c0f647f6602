-- Rollback of drizzle/0011_cache_version.sql. Run it only with a Worker version that does not read
-- users.cache_version / cache_epoch (before the versioned protocol of src/services/user-cache.ts);
-- entries that protocol wrote (uc:* keys) are never read by the older one and expire within 12 minutes.
DROP TABLE IF EXISTS "cache_epoch";
ALTER TABLE "users" DROP COLUMN IF EXISTS "cache_version";
