-- Reverts 0002_meal_logs: the meal logs and the idempotency keys (their rows go with them).
DROP TABLE "meal_logs";
DROP TABLE "idempotency_keys";
