-- Reverts 0006_write_quota.
DROP TABLE "write_quota";
