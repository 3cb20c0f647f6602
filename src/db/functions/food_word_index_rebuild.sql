-- Builds the word index from `foods` in two set statements: the backfill below, and bulk loads that
-- disable the trigger while they insert (bench/foods-scale.ts).
CREATE OR REPLACE FUNCTION food_word_index_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE food_word_postings, food_words;
  INSERT INTO food_word_postings SELECT r.* FROM foods f, food_word_rows(f.id, f.owner_id, f.search_text) r;
  INSERT INTO food_words (word, foods) SELECT word, count(*) FROM food_word_postings GROUP BY word;
END
$$;
