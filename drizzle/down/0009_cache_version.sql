-- Rollback of drizzle/0009_cache_version.sql. Run it only with a Worker version that does not read
-- users.cache_version / cache_epoch (before src/services/user-cache.ts's versioned protocol); cached
-- entries written by the versioned protocol are simply never served by the older one (other keys).
ALTER TABLE "users" DROP COLUMN IF EXISTS "cache_version";
DROP SEQUENCE IF EXISTS "public"."cache_epoch";
