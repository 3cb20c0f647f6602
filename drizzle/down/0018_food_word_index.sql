-- Reverts 0018_food_word_index: the trigram index of 0013 back, then the trigger and functions, then
-- the two tables (their indexes go with them).
CREATE INDEX IF NOT EXISTS "foods_search_text_trgm_idx" ON "foods" USING gin ("search_text" gin_trgm_ops);
--> statement-breakpoint
DROP TRIGGER IF EXISTS food_word_index_sync ON foods;
--> statement-breakpoint
DROP FUNCTION IF EXISTS food_word_index_sync();
--> statement-breakpoint
DROP FUNCTION IF EXISTS food_word_index_rebuild();
--> statement-breakpoint
DROP FUNCTION IF EXISTS food_word_rows(uuid, uuid, text);
--> statement-breakpoint
DROP FUNCTION IF EXISTS food_search_words(text);
--> statement-breakpoint
DROP TABLE IF EXISTS "food_word_postings";
--> statement-breakpoint
DROP TABLE IF EXISTS "food_words";
