-- The words of a folded search text (name, newline, brand): split at whitespace and punctuation,
-- distinct. The same function splits the query (src/services/foods.ts), so both sides agree.
CREATE OR REPLACE FUNCTION food_search_words(search_text text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT w ORDER BY w), '{}')
  FROM regexp_split_to_table($1, '[[:space:][:punct:]]+') w WHERE w <> ''
$$;
