-- Reverts 0001_session_guard.
DROP FUNCTION assert_session_active(uuid);
