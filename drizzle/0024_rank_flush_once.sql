-- Notes each change of challenge_participants for challenge_rank_counts, once per statement (a bulk
-- join, a cascade or the hourly job's chunk notes each player once): the players' old and new places
-- go to rank_count_changes under the transaction's id, and flush_rank_counts() applies them all at
-- commit, in key order, in one statement. Applied here, each statement locked its counts in key order,
-- but a transaction of two such statements (a join: the insert, then apply_log_write; the hourly job:
-- the recompute, then apply_log_write for those who completed) took them in two runs, and against
-- another transaction's run the two orders met: deadlocks (40P01). The changes are rows, not a
-- transaction-local setting: a setting rewritten by every statement costs the whole text each time
-- (500 statements of 5 moves took 1.7 s, the hourly job runs that many for a chunk's completers).
-- An update that moves no player (final ranks, windows) notes nothing. A note also raises the
-- transaction-local flag sikdan.rank_changes_pending (see flush_rank_counts).
CREATE OR REPLACE FUNCTION count_rank_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO rank_count_changes (xact, challenge_id, grp, at, delta)
    SELECT pg_current_xact_id(), challenge_id, rank_group(completed_at, current), rank_time(completed_at, joined_at), 1
    FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO rank_count_changes (xact, challenge_id, grp, at, delta)
    SELECT pg_current_xact_id(), challenge_id, rank_group(completed_at, current), rank_time(completed_at, joined_at), -1
    FROM old_rows;
  ELSE
    WITH moved AS (
      SELECT o.challenge_id, rank_group(o.completed_at, o.current) AS old_group,
             rank_time(o.completed_at, o.joined_at) AS old_time,
             rank_group(n.completed_at, n.current) AS new_group, rank_time(n.completed_at, n.joined_at) AS new_time
      FROM old_rows o JOIN new_rows n ON n.challenge_id = o.challenge_id AND n.user_id = o.user_id
      WHERE (o.completed_at, o.current, o.joined_at) IS DISTINCT FROM (n.completed_at, n.current, n.joined_at)
    )
    INSERT INTO rank_count_changes (xact, challenge_id, grp, at, delta)
    SELECT pg_current_xact_id(), challenge_id, old_group, old_time, -1 FROM moved
    UNION ALL
    SELECT pg_current_xact_id(), challenge_id, new_group, new_time, 1 FROM moved;
  END IF;
  IF FOUND THEN
    PERFORM set_config('sikdan.rank_changes_pending', 'on', true);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- Applies the transaction's pending rank count changes (count_rank_changes: its rows of
-- rank_count_changes, taken out as they are read) to challenge_rank_counts,
-- at commit (a deferred constraint trigger: the first of its events applies them all, the others
-- find none). Every transaction thus locks its counts last, in one statement, in key order: a
-- transaction waits for a count only while holding counts before it, so no two ever wait for each
-- other, and a count is held from here to the commit only, not through the rest of a write.
-- Stretches left empty go (those the upsert just brought to 0, hence already locked by it): the
-- table holds the stretches players are in. A challenge deleted in the transaction (its participants
-- went by cascade) keeps no counts (there is no foreign key). The changes are read into arrays first,
-- so the statements plan as in 0019: index lookups of their few keys.
-- The trigger is per row (constraint triggers cannot be per statement), so a statement of N players
-- fires it N times at commit. Only the first finds changes; the others return at the flag
-- sikdan.rank_changes_pending (raised by count_rank_changes, lowered here), without looking: each
-- look was an index scan over every change the first one had taken out (deleted by this very
-- transaction, so not yet dead to it), and a commit of N players cost N² (8,000: 1.6 s; the
-- 120,000 joins of a big challenge's generation: 400 s).
CREATE OR REPLACE FUNCTION flush_rank_counts() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  challenge_ids uuid[];
  groups int[];
  times timestamptz[];
  deltas int[];
  emptied record;
  gone uuid[];
BEGIN
  IF current_setting('sikdan.rank_changes_pending', true) IS DISTINCT FROM 'on' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('sikdan.rank_changes_pending', 'off', true);
  WITH taken AS (
    DELETE FROM rank_count_changes WHERE xact = pg_current_xact_id()
    RETURNING challenge_id, grp, at, delta
  )
  SELECT array_agg(challenge_id), array_agg(grp), array_agg(at), array_agg(delta)
    INTO challenge_ids, groups, times, deltas FROM taken;
  IF challenge_ids IS NULL THEN
    RETURN NULL;
  END IF;
  WITH upserted AS (
    INSERT INTO challenge_rank_counts AS c (challenge_id, level, grp, bucket, players)
    SELECT d.challenge_id, l.level, d.grp, rank_bucket(l.level, d.at), sum(d.delta)
    FROM unnest(challenge_ids, groups, times, deltas) AS d(challenge_id, grp, at, delta)
    CROSS JOIN generate_series(0, 3) AS l(level)
    WHERE EXISTS (SELECT 1 FROM challenges WHERE id = d.challenge_id)
    GROUP BY 1, 2, 3, 4
    HAVING sum(d.delta) <> 0
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (challenge_id, level, grp, bucket) DO UPDATE SET players = c.players + excluded.players
    RETURNING c.challenge_id, c.level, c.grp, c.bucket, c.players
  )
  SELECT array_agg(u.challenge_id) AS challenge_ids, array_agg(u.level) AS levels, array_agg(u.grp) AS groups,
         array_agg(u.bucket) AS buckets
    INTO emptied FROM upserted u WHERE u.players = 0;
  IF emptied.challenge_ids IS NOT NULL THEN
    DELETE FROM challenge_rank_counts c
    USING unnest(emptied.challenge_ids, emptied.levels, emptied.groups, emptied.buckets)
          AS e(challenge_id, level, grp, bucket)
    WHERE c.challenge_id = e.challenge_id AND c.level = e.level AND c.grp = e.grp AND c.bucket = e.bucket
      AND c.players = 0;
  END IF;
  SELECT array_agg(DISTINCT d.id) INTO gone FROM unnest(challenge_ids) AS d(id)
  WHERE NOT EXISTS (SELECT 1 FROM challenges WHERE id = d.id);
  IF gone IS NOT NULL THEN
    DELETE FROM challenge_rank_counts WHERE challenge_id = ANY (gone);
  END IF;
  RETURN NULL;
END
$$;
