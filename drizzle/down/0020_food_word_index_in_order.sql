-- Rollback of drizzle/0020_food_word_index_in_order.sql: the per-row trigger of 0018.
DROP TRIGGER IF EXISTS food_word_index_deleted ON foods;
DROP TRIGGER IF EXISTS food_word_index_updated ON foods;
DROP TRIGGER IF EXISTS food_word_index_inserted ON foods;
CREATE OR REPLACE FUNCTION food_word_index_sync() RETURNS trigger LANGUAGE plpgsql AS $$
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
FOR EACH ROW EXECUTE FUNCTION food_word_index_sync();
