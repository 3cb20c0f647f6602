-- Notes each change of challenge_participants for challenge_rank_counts, once per statement (a bulk
-- join, a cascade or the hourly job's chunk notes each player once): the players' old and new places
-- go to the transaction's pending changes (a transaction-local setting), and flush_rank_counts()
-- applies them all at commit, in key order, in one statement. Applied here, each statement locked its
-- counts in key order, but a transaction of two such statements (a join: the insert, then
-- apply_log_write; the hourly job: the recompute, then apply_log_write for those who completed) took
-- them in two runs, and against another transaction's run the two orders met: deadlocks (40P01).
-- An update that moves no player (final ranks, windows) notes nothing.
CREATE OR REPLACE FUNCTION count_rank_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  changes jsonb;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT jsonb_agg(jsonb_build_object('challenge_id', challenge_id, 'grp', rank_group(completed_at, current),
                                        'at', rank_time(completed_at, joined_at), 'delta', 1))
      INTO changes FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT jsonb_agg(jsonb_build_object('challenge_id', challenge_id, 'grp', rank_group(completed_at, current),
                                        'at', rank_time(completed_at, joined_at), 'delta', -1))
      INTO changes FROM old_rows;
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
    SELECT jsonb_agg(jsonb_build_object('challenge_id', challenge_id, 'grp', grp, 'at', at, 'delta', delta))
      INTO changes FROM changes;
  END IF;
  IF changes IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('sikdan.rank_count_changes',
    (coalesce(nullif(current_setting('sikdan.rank_count_changes', true), ''), '[]')::jsonb || changes)::text, true);
  RETURN NULL;
END
$$;
