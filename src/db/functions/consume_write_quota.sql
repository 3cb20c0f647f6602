-- Counts one write against the user's per-minute quota; over the quota it raises SK429 (with the
-- seconds until the window resets as the DETAIL), which aborts the whole batch: the refused write
-- and its count both roll back.
CREATE OR REPLACE FUNCTION consume_write_quota(uid uuid, quota int) RETURNS int
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  window_now timestamptz := date_trunc('minute', now());
  used int;
BEGIN
  INSERT INTO write_quota AS q (user_id, window_start, count) VALUES (uid, window_now, 1)
  ON CONFLICT (user_id) DO UPDATE
    SET count = CASE WHEN q.window_start = window_now THEN q.count + 1 ELSE 1 END,
        window_start = window_now
  RETURNING count INTO used;
  IF used > quota THEN
    RAISE EXCEPTION 'write quota exceeded' USING ERRCODE = 'SK429',
      DETAIL = ceil(extract(epoch FROM window_now + interval '1 minute' - now()))::int::text;
  END IF;
  RETURN quota - used;
END
$$;
