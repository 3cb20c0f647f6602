-- Reverts 0025_search_foods_function: the functions as they were before it.
DROP FUNCTION IF EXISTS search_foods(folded text, viewer uuid, max_rows int, after_score bigint, after_id uuid);
