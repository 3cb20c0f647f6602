-- The word index kept per statement, not per row: the dictionary counts of every food a statement
-- touches are changed by one upsert in word order. Per row, each food's words were locked in order,
-- but a statement deleting many foods (the account purge: up to 1,000 a chunk) locked them food after
-- food, so it could deadlock with a concurrent insert sharing two of their words.
CREATE OR REPLACE FUNCTION food_word_index_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  gone_ids uuid[];
  gone_owners uuid[];
  gone_texts text[];
  new_ids uuid[];
  new_owners uuid[];
  new_texts text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(id), array_agg(owner_id), array_agg(search_text) INTO new_ids, new_owners, new_texts
    FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(id), array_agg(owner_id), array_agg(search_text) INTO gone_ids, gone_owners, gone_texts
    FROM old_rows;
  ELSE
    -- Only foods whose words or scope changed (an update of the numbers leaves the index alone).
    SELECT array_agg(o.id), array_agg(o.owner_id), array_agg(o.search_text),
           array_agg(n.id), array_agg(n.owner_id), array_agg(n.search_text)
      INTO gone_ids, gone_owners, gone_texts, new_ids, new_owners, new_texts
    FROM old_rows o JOIN new_rows n ON n.id = o.id
    WHERE (o.search_text, o.owner_id) IS DISTINCT FROM (n.search_text, n.owner_id);
  END IF;
  IF gone_ids IS NULL AND new_ids IS NULL THEN
    RETURN NULL;
  END IF;
  -- Postings belong to one food each, whose row the statement holds: no two writers share them.
  DELETE FROM food_word_postings p
  USING unnest(gone_ids, gone_owners, gone_texts) AS f(id, owner_id, search_text)
  CROSS JOIN LATERAL food_word_rows(f.id, f.owner_id, f.search_text) r
  WHERE p.word = r.word AND p.owner_id = r.owner_id AND p.rank = r.rank AND p.food_id = r.food_id;
  INSERT INTO food_word_postings
  SELECT r.* FROM unnest(new_ids, new_owners, new_texts) AS f(id, owner_id, search_text)
  CROSS JOIN LATERAL food_word_rows(f.id, f.owner_id, f.search_text) r;
  -- The dictionary rows are shared: all of them locked by this one upsert, in word order.
  INSERT INTO food_words AS d (word, foods)
  SELECT w, sum(delta) FROM (
    SELECT unnest(food_search_words(t)) AS w, -1 AS delta FROM unnest(gone_texts) t
    UNION ALL
    SELECT unnest(food_search_words(t)), 1 FROM unnest(new_texts) t
  ) changes
  GROUP BY w HAVING sum(delta) <> 0
  ORDER BY w
  ON CONFLICT (word) DO UPDATE SET foods = d.foods + excluded.foods;
  DELETE FROM food_words d
  WHERE d.word IN (SELECT unnest(food_search_words(t)) FROM unnest(gone_texts) t) AND d.foods <= 0;
  RETURN NULL;
END
$$;--> statement-breakpoint
DROP TRIGGER food_word_index_sync ON foods;--> statement-breakpoint
CREATE TRIGGER food_word_index_inserted AFTER INSERT ON foods
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION food_word_index_sync();--> statement-breakpoint
CREATE TRIGGER food_word_index_updated AFTER UPDATE ON foods
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION food_word_index_sync();--> statement-breakpoint
CREATE TRIGGER food_word_index_deleted AFTER DELETE ON foods
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION food_word_index_sync();
