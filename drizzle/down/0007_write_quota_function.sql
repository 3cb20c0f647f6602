-- Reverts 0007_write_quota_function.
DROP FUNCTION consume_write_quota(uuid, int);
