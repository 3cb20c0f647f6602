-- Counts one password attempt against `key` (trim + lower-case email) in a sliding window of `span`.
-- With `max_attempts` already counted in the window it raises SK423 (DETAIL: seconds until the
-- oldest of them leaves the window), which aborts the whole batch: the refused attempt is not
-- counted and no password is compared. The upsert locks the row until the batch commits, so
-- parallel attempts on one email are counted one after the other. The caller's batch deletes the
-- row when the password matches.
CREATE OR REPLACE FUNCTION consume_login_attempt(key text, max_attempts int, span interval) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  counted timestamptz[];
BEGIN
  INSERT INTO login_failures AS f (email_key, attempts) VALUES (key, ARRAY[now()])
  ON CONFLICT (email_key) DO UPDATE
    SET attempts = ARRAY(SELECT t FROM unnest(f.attempts) t WHERE t > now() - span ORDER BY t) || now()
  RETURNING attempts INTO counted;
  IF cardinality(counted) > max_attempts THEN
    SELECT array_agg(t ORDER BY t) INTO counted FROM unnest(counted) t;
    RAISE EXCEPTION 'too many failed sign-ins' USING ERRCODE = 'SK423',
      DETAIL = greatest(1, ceil(extract(epoch FROM
        counted[cardinality(counted) - max_attempts] + span - now())))::int::text;
  END IF;
END
$$;
