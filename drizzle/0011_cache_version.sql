-- The cache protocol of src/services/user-cache.ts: a version per user that every write batch bumps, and one
-- epoch row bumped when a write could not reach Redis.
CREATE TABLE "cache_epoch" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"epoch" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "cache_epoch_single_row" CHECK ("cache_epoch"."id")
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "cache_version" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
INSERT INTO "cache_epoch" ("id", "epoch") VALUES (true, 0);
