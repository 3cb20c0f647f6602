-- Put first in a request's batch, this ends the whole batch (and rolls back its writes) when the
-- session behind the access token has ended: logout, password change, reuse of a rotated refresh
-- token, account deletion. Revocation is thus exact and costs no extra round trip.
CREATE OR REPLACE FUNCTION assert_session_active(session_id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM sessions s
    WHERE s.id = session_id AND s.revoked_at IS NULL AND s.expires_at > now()
  ) THEN
    RAISE EXCEPTION 'session ended' USING ERRCODE = 'SK401';
  END IF;
  RETURN true;
END
$$;
