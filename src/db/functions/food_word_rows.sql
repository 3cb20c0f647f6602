-- The postings of one food: its words, its scope (the nil uuid for a shared product), its rank (the
-- folded name's length) and its id.
CREATE OR REPLACE FUNCTION food_word_rows(food_id uuid, owner_id uuid, search_text text) RETURNS SETOF food_word_postings
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT w, coalesce($2, '00000000-0000-0000-0000-000000000000'::uuid), char_length(split_part($3, E'\n', 1)), $1
  FROM unnest(food_search_words($3)) w
$$;
