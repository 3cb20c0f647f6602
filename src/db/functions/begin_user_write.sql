-- The opening of every write batch of a signed-in user (services/writes.ts guardedWrite), as one
-- statement instead of four: the session check (assert_session_active), the user row locked and its
-- cache version bumped, the cache epoch bumped when the Worker found Redis down, the write counted
-- against the user's quota (consume_write_quota). Every write takes its locks in this order (user
-- row, cache epoch, quota row), so two writes never deadlock on them. Either failure raises and
-- aborts the batch: nothing of it, not even the count, is written.
CREATE OR REPLACE FUNCTION begin_user_write(session_id uuid, uid uuid, quota int, bump_epoch boolean)
RETURNS TABLE (cache_version text, cache_epoch text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM assert_session_active(session_id);
  UPDATE users u SET cache_version = u.cache_version + 1 WHERE u.id = uid
  RETURNING u.cache_version::text INTO begin_user_write.cache_version;
  IF bump_epoch THEN
    UPDATE cache_epoch e SET epoch = e.epoch + 1
    RETURNING e.epoch::text INTO begin_user_write.cache_epoch;
  END IF;
  PERFORM consume_write_quota(uid, quota);
  RETURN NEXT;
END
$$;
