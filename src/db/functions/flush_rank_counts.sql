-- Applies the transaction's pending rank count changes (count_rank_changes) to challenge_rank_counts,
-- at commit (a deferred constraint trigger: the first of its events applies them all, the others
-- find none). Every transaction thus locks its counts last, in one statement, in key order: a
-- transaction waits for a count only while holding counts before it, so no two ever wait for each
-- other, and a count is held from here to the commit only, not through the rest of a write.
-- Stretches left empty go (only those this statement just lowered, hence already locked by it): the
-- table holds the stretches players are in. A challenge deleted in the transaction (its participants
-- went by cascade) keeps no counts (there is no foreign key).
CREATE OR REPLACE FUNCTION flush_rank_counts() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  pending jsonb := nullif(current_setting('sikdan.rank_count_changes', true), '')::jsonb;
BEGIN
  IF pending IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('sikdan.rank_count_changes', '', true);
  INSERT INTO challenge_rank_counts AS c (challenge_id, level, grp, bucket, players)
  SELECT d.challenge_id, l.level, d.grp, rank_bucket(l.level, d.at), sum(d.delta)
  FROM jsonb_to_recordset(pending) AS d(challenge_id uuid, grp int, at timestamptz, delta int)
  CROSS JOIN generate_series(0, 3) AS l(level)
  WHERE EXISTS (SELECT 1 FROM challenges WHERE id = d.challenge_id)
  GROUP BY 1, 2, 3, 4
  HAVING sum(d.delta) <> 0
  ORDER BY 1, 2, 3, 4
  ON CONFLICT (challenge_id, level, grp, bucket) DO UPDATE SET players = c.players + excluded.players;
  DELETE FROM challenge_rank_counts c
  USING (SELECT d.challenge_id, l.level, d.grp, rank_bucket(l.level, d.at) AS bucket
         FROM jsonb_to_recordset(pending) AS d(challenge_id uuid, grp int, at timestamptz, delta int)
         CROSS JOIN generate_series(0, 3) AS l(level)
         GROUP BY 1, 2, 3, 4
         HAVING sum(d.delta) < 0) lowered
  WHERE c.challenge_id = lowered.challenge_id AND c.level = lowered.level AND c.grp = lowered.grp
    AND c.bucket = lowered.bucket AND c.players = 0;
  DELETE FROM challenge_rank_counts c
  WHERE c.challenge_id IN (SELECT DISTINCT d.challenge_id
                           FROM jsonb_to_recordset(pending) AS d(challenge_id uuid)
                           WHERE NOT EXISTS (SELECT 1 FROM challenges WHERE id = d.challenge_id));
  RETURN NULL;
END
$$;
