-- Reverts 0013_foods: the foods table (its indexes and constraints go with it), the logs' item
-- snapshots, then the trigram extension.
DROP TABLE IF EXISTS "foods";
--> statement-breakpoint
ALTER TABLE "meal_logs" DROP COLUMN IF EXISTS "items";
--> statement-breakpoint
DROP EXTENSION IF EXISTS pg_trgm;
