-- The cache protocol of src/services/user-cache.ts: a per-user version that every write batch bumps,
-- and a global epoch bumped when a write could not reach Redis (a sequence: no row lock).
CREATE SEQUENCE "public"."cache_epoch" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "cache_version" bigint DEFAULT 0 NOT NULL;
