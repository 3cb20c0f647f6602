CREATE TABLE "food_word_postings" (
	"word" text NOT NULL,
	"owner_id" uuid NOT NULL,
	"rank" integer NOT NULL,
	"food_id" uuid NOT NULL,
	CONSTRAINT "food_word_postings_word_owner_id_rank_food_id_pk" PRIMARY KEY("word","owner_id","rank","food_id")
);
--> statement-breakpoint
CREATE TABLE "food_words" (
	"word" text PRIMARY KEY NOT NULL,
	"foods" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "food_words_prefix_idx" ON "food_words" USING btree ("word" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "food_words_trgm_idx" ON "food_words" USING gin ("word" gin_trgm_ops);--> statement-breakpoint
-- The words of a folded search text (name, newline, brand): split at whitespace and punctuation,
-- distinct. The same function splits the query (src/services/foods.ts), so both sides agree.
CREATE FUNCTION food_search_words(search_text text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT w ORDER BY w), '{}')
  FROM regexp_split_to_table($1, '[[:space:][:punct:]]+') w WHERE w <> ''
$$;--> statement-breakpoint
-- The postings of one food: its words, its scope (the nil uuid for a shared product), its rank (the
-- folded name's length) and its id.
CREATE FUNCTION food_word_rows(food_id uuid, owner_id uuid, search_text text) RETURNS SETOF food_word_postings
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT w, coalesce($2, '00000000-0000-0000-0000-000000000000'::uuid), char_length(split_part($3, E'\n', 1)), $1
  FROM unnest(food_search_words($3)) w
$$;--> statement-breakpoint
-- Keeps the word index in the statement that changes `foods` (a write stays one round trip).
-- Dictionary rows are upserted in word order so that concurrent writers lock them in one order.
CREATE FUNCTION food_word_index_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.search_text = OLD.search_text AND NEW.owner_id IS NOT DISTINCT FROM OLD.owner_id THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM food_word_postings p USING food_word_rows(OLD.id, OLD.owner_id, OLD.search_text) r
    WHERE p.word = r.word AND p.owner_id = r.owner_id AND p.rank = r.rank AND p.food_id = r.food_id;
    UPDATE food_words d SET foods = d.foods - 1 FROM unnest(food_search_words(OLD.search_text)) w WHERE d.word = w;
    DELETE FROM food_words d WHERE d.word = ANY (food_search_words(OLD.search_text)) AND d.foods <= 0;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO food_word_postings SELECT * FROM food_word_rows(NEW.id, NEW.owner_id, NEW.search_text);
    INSERT INTO food_words AS d (word, foods)
    SELECT w, 1 FROM unnest(food_search_words(NEW.search_text)) w ORDER BY w
    ON CONFLICT (word) DO UPDATE SET foods = d.foods + 1;
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER food_word_index_sync AFTER INSERT OR DELETE OR UPDATE OF search_text, owner_id ON foods
FOR EACH ROW EXECUTE FUNCTION food_word_index_sync();--> statement-breakpoint
-- Builds the word index from `foods` in two set statements: the backfill below, and bulk loads that
-- disable the trigger while they insert (bench/foods-scale.ts).
CREATE FUNCTION food_word_index_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE food_word_postings, food_words;
  INSERT INTO food_word_postings SELECT r.* FROM foods f, food_word_rows(f.id, f.owner_id, f.search_text) r;
  INSERT INTO food_words (word, foods) SELECT word, count(*) FROM food_word_postings GROUP BY word;
END
$$;--> statement-breakpoint
SELECT food_word_index_rebuild();--> statement-breakpoint
-- Search no longer reads foods.search_text through trigrams (the word index above replaced it): the
-- GIN index of 0013 would only cost every food write.
DROP INDEX IF EXISTS "foods_search_text_trgm_idx";
