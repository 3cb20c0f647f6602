-- Reverts 0023_begin_user_write: the functions as they were before it.
DROP FUNCTION IF EXISTS begin_user_write(session_id uuid, uid uuid, quota int, bump_epoch boolean);
