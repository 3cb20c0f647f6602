-- GET /v1/foods?q=: the foods `viewer` may see whose words match the folded query `folded`, best
-- first, `max_rows` of them from the keyset position (after_score, after_id) on (for the first
-- page). `score` = match quality × 100000 + rank (the folded name's length: at most 200 characters).
-- On the word index of 0018 (`food_words`, `food_word_postings`, kept by triggers):
-- 1. the folded query is split into words like the foods are (`food_search_words`);
-- 2. each query word gets up to 50 candidate dictionary words with a match quality: itself (0), words
--    it begins (1; `비빔` → `비빔밥`, a range of the text_pattern_ops index in byte order), and only when
--    it is no word itself and begins fewer than 3, trigram-similar words of similarity ≥ 0.3 (pg_trgm's
--    own default for `%`), as 2 + distance (`choclate` → `chocolate` 0.58, `lasanga` → `lasagna` 0.33);
-- 3. query words are ranked by how many foods their candidates hold: the rarest drives, the second is
--    joined, the rest are probed;
-- 4. for each driving candidate and each scope the viewer sees (shared products, their own foods), the
--    postings are read in key order (rank, then id: `비빔밥` before `비빔밥 도시락 세트`) from the keyset
--    position on, merge-joined on (rank, id) with each candidate of the second word (two ordered index
--    ranges), then kept if the food holds a candidate of every further word (primary-key probes) and
--    this is its best driving candidate (so a food is listed once);
-- 5. the union is ordered by score, then id.
-- Every read is an index range that stops after `max_rows` rows: 0.3–1 ms of database time for one
-- word, a prefix or a typo at 1M foods, a few ms for two words (bench/results/foods-scale-1m.txt).
--
-- Why PL/pgSQL, with a generic plan: Neon's HTTP queries are never prepared, so a statement sent as it
-- is gets planned on every call, and this one took longer to plan (2.1 ms on a connection that had run
-- it, 7–10 ms on one that had not) than to run (1.5 ms). A PL/pgSQL function keeps its query's plan per
-- connection, and pooled connections outlive requests (Neon's reset between requests deallocates
-- prepared statements but leaves these plans). `force_generic_plan`: planned once per connection, not
-- on each of the first five calls (PostgreSQL's default before it tries a generic plan). The plan does
-- not depend on the values: the work is bounded by the LIMITs inside the lateral subqueries, whatever
-- the planner expects of them. The first page passes the keyset position before every posting, so
-- both pages share the one plan.
--
-- The first branch reads the driving word alone (a one-word query), the second merge-joins it with
-- each partner word; `kept` (the food's best driving candidate, and every further word) is checked
-- in both before their LIMIT. `offset 0` keeps a subquery as it is written: the per-posting probes
-- stay correlated subplans (primary-key lookups) instead of the anti-join the planner would otherwise
-- make of them, which scans every posting of the word, and the checks of `kept` run only on postings
-- that met the second word.
CREATE OR REPLACE FUNCTION search_foods(
  folded text, viewer uuid, max_rows int, after_score bigint, after_id uuid
) RETURNS TABLE (food jsonb, score bigint)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  RETURN QUERY
  WITH query_words AS MATERIALIZED (
    SELECT t.i, t.w FROM unnest(food_search_words(folded)) WITH ORDINALITY AS t(w, i)
  ), candidates AS MATERIALIZED (
    SELECT q.i, c.word, c.quality, c.foods FROM query_words q CROSS JOIN LATERAL (
      (SELECT d.word, (d.word <> q.w)::int AS quality, d.foods FROM food_words d
       WHERE d.word ~>=~ q.w AND d.word ~<~ (q.w || chr(1114111))
       ORDER BY d.word <> q.w, char_length(d.word), d.word LIMIT 50)
      UNION ALL
      (SELECT d.word, 2 + round((1 - similarity(d.word, q.w)) * 100)::int, d.foods FROM food_words d
       WHERE d.word % q.w AND similarity(d.word, q.w) >= 0.3
         AND NOT (d.word ~>=~ q.w AND d.word ~<~ (q.w || chr(1114111)))
         AND NOT EXISTS (SELECT FROM food_words d WHERE d.word = q.w)
         AND (SELECT count(*) FROM (SELECT FROM food_words d
                                    WHERE d.word ~>=~ q.w AND d.word ~<~ (q.w || chr(1114111)) LIMIT 3) few) < 3
       ORDER BY similarity(d.word, q.w) DESC, d.word LIMIT 50)
    ) c
  ), ranked_words AS MATERIALIZED (
    SELECT q.i, row_number() OVER (
      ORDER BY (SELECT coalesce(sum(c.foods), 0) FROM candidates c WHERE c.i = q.i), q.i) AS n
    FROM query_words q
  ), partner_words AS MATERIALIZED (
    SELECT c.word FROM candidates c JOIN ranked_words r ON r.i = c.i AND r.n = 2
  ), scopes(owner_id) AS (
    VALUES ('00000000-0000-0000-0000-000000000000'::uuid), (viewer)
  ), driving_words AS MATERIALIZED (
    SELECT c.*, EXISTS (SELECT FROM candidates b WHERE b.i = c.i AND (b.quality, b.word) < (c.quality, c.word)) AS has_better
    FROM candidates c JOIN ranked_words r ON r.i = c.i AND r.n = 1
  ), hits AS (
    SELECT DISTINCT h.food_id, c.quality * 100000 + h.rank AS score
    FROM driving_words c CROSS JOIN scopes s CROSS JOIN LATERAL (
      SELECT p.* FROM (
        SELECT p.* FROM food_word_postings p
        WHERE p.word = c.word AND p.owner_id = s.owner_id
          AND (p.rank, p.food_id) > (after_score - c.quality * 100000, after_id)
          AND NOT EXISTS (SELECT FROM partner_words)
        ORDER BY p.rank, p.food_id OFFSET 0
      ) p WHERE (NOT c.has_better OR NOT EXISTS (
            SELECT 1 FROM candidates c2 JOIN food_word_postings p2 ON p2.word = c2.word
            WHERE c2.i = c.i AND (c2.quality, c2.word) < (c.quality, c.word)
              AND p2.owner_id = p.owner_id AND p2.rank = p.rank AND p2.food_id = p.food_id OFFSET 0))
          AND ((SELECT count(*) FROM query_words) < 3
               OR NOT EXISTS (SELECT 1 FROM ranked_words q WHERE q.n > 2 AND NOT EXISTS (
                 SELECT 1 FROM candidates c2 JOIN food_word_postings p2 ON p2.word = c2.word
                 WHERE c2.i = q.i AND p2.owner_id = p.owner_id AND p2.rank = p.rank AND p2.food_id = p.food_id
                 OFFSET 0))) LIMIT max_rows
    ) h
    UNION
    -- The same `kept` conditions again: a query cannot share a fragment, and a function of their own
    -- could not see this query's CTEs (nor be planned into it).
    SELECT h.food_id, c.quality * 100000 + h.rank
    FROM driving_words c CROSS JOIN scopes s CROSS JOIN partner_words pw CROSS JOIN LATERAL (
      SELECT p.* FROM (
        SELECT p.* FROM food_word_postings p
        JOIN food_word_postings b ON b.word = pw.word AND b.owner_id = p.owner_id AND b.rank = p.rank AND b.food_id = p.food_id
        WHERE p.word = c.word AND p.owner_id = s.owner_id
          AND (p.rank, p.food_id) > (after_score - c.quality * 100000, after_id)
        ORDER BY p.rank, p.food_id OFFSET 0
      ) p WHERE (NOT c.has_better OR NOT EXISTS (
            SELECT 1 FROM candidates c2 JOIN food_word_postings p2 ON p2.word = c2.word
            WHERE c2.i = c.i AND (c2.quality, c2.word) < (c.quality, c.word)
              AND p2.owner_id = p.owner_id AND p2.rank = p.rank AND p2.food_id = p.food_id OFFSET 0))
          AND ((SELECT count(*) FROM query_words) < 3
               OR NOT EXISTS (SELECT 1 FROM ranked_words q WHERE q.n > 2 AND NOT EXISTS (
                 SELECT 1 FROM candidates c2 JOIN food_word_postings p2 ON p2.word = c2.word
                 WHERE c2.i = q.i AND p2.owner_id = p.owner_id AND p2.rank = p.rank AND p2.food_id = p.food_id
                 OFFSET 0))) LIMIT max_rows
    ) h
    ORDER BY 2, 1 LIMIT max_rows
  )
  SELECT food_json(f, viewer), hits.score::bigint
  FROM hits JOIN foods f ON f.id = hits.food_id
  WHERE f.owner_id IS NULL OR f.owner_id = viewer
  ORDER BY hits.score, f.id;
END
$$;
