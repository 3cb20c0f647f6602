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
