-- Reverts 0021_rank_counts_at_commit: the functions as they were before it.
DROP TRIGGER IF EXISTS challenge_participants_rank_moved ON challenge_participants;--> statement-breakpoint
DROP TRIGGER IF EXISTS challenge_participants_rank_flushed ON challenge_participants;--> statement-breakpoint
CREATE OR REPLACE FUNCTION count_rank_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  challenge_ids uuid[];
  groups int[];
  times timestamptz[];
  deltas int[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(challenge_id), array_agg(rank_group(completed_at, current)),
           array_agg(rank_time(completed_at, joined_at)), array_agg(1)
      INTO challenge_ids, groups, times, deltas FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(challenge_id), array_agg(rank_group(completed_at, current)),
           array_agg(rank_time(completed_at, joined_at)), array_agg(-1)
      INTO challenge_ids, groups, times, deltas FROM old_rows;
  ELSE
    WITH moved AS (
      SELECT o.challenge_id, rank_group(o.completed_at, o.current) AS old_group,
             rank_time(o.completed_at, o.joined_at) AS old_time,
             rank_group(n.completed_at, n.current) AS new_group, rank_time(n.completed_at, n.joined_at) AS new_time
      FROM old_rows o JOIN new_rows n ON n.challenge_id = o.challenge_id AND n.user_id = o.user_id
      WHERE (o.completed_at, o.current, o.joined_at) IS DISTINCT FROM (n.completed_at, n.current, n.joined_at)
    ), changes AS (
      SELECT challenge_id, old_group AS grp, old_time AS at, -1 AS delta FROM moved
      UNION ALL
      SELECT challenge_id, new_group, new_time, 1 FROM moved
    )
    SELECT array_agg(challenge_id), array_agg(grp), array_agg(at), array_agg(delta)
      INTO challenge_ids, groups, times, deltas FROM changes;
  END IF;
  IF challenge_ids IS NULL THEN
    RETURN NULL;
  END IF;
  INSERT INTO challenge_rank_counts AS c (challenge_id, level, grp, bucket, players)
  SELECT d.challenge_id, l.level, d.grp, rank_bucket(l.level, d.at), sum(d.delta)
  FROM unnest(challenge_ids, groups, times, deltas) AS d(challenge_id, grp, at, delta)
  CROSS JOIN generate_series(0, 3) AS l(level)
  WHERE EXISTS (SELECT 1 FROM challenges WHERE id = d.challenge_id)
  GROUP BY 1, 2, 3, 4
  HAVING sum(d.delta) <> 0
  ORDER BY 1, 2, 3, 4
  ON CONFLICT (challenge_id, level, grp, bucket) DO UPDATE SET players = c.players + excluded.players;
  -- Stretches left empty go (already locked above): the table holds the stretches players are in,
  -- not every minute a player ever passed through.
  DELETE FROM challenge_rank_counts c
  USING unnest(challenge_ids, groups, times, deltas) AS d(challenge_id, grp, at, delta)
  CROSS JOIN generate_series(0, 3) AS l(level)
  WHERE d.delta < 0 AND c.challenge_id = d.challenge_id AND c.level = l.level AND c.grp = d.grp
    AND c.bucket = rank_bucket(l.level, d.at) AND c.players = 0;
  IF TG_OP = 'DELETE' THEN
    -- Players gone with their challenge (a cascade): so go its counts (there is no foreign key).
    DELETE FROM challenge_rank_counts c
    WHERE c.challenge_id IN (SELECT DISTINCT d.id FROM unnest(challenge_ids) AS d(id)
                             WHERE NOT EXISTS (SELECT 1 FROM challenges WHERE id = d.id));
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
DROP FUNCTION IF EXISTS flush_rank_counts();
