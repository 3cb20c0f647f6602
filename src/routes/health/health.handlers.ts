import type { RouteHandler } from "@hono/zod-openapi";
import { ApiError, RETRY_AFTER_SECONDS } from "../../lib/errors";
import { checkReadiness } from "../../services/health";
import type { AppEnv } from "../../types";
import type { live, ready } from "./health.routes";

export const liveHandler: RouteHandler<typeof live, AppEnv> = (c) => c.json({ status: "ok" as const }, 200);

export const readyHandler: RouteHandler<typeof ready, AppEnv> = async (c) => {
  const checks = await checkReadiness(c.var.db, c.var.cache);
  c.header("Cache-Control", "no-store");
  if (checks.db !== "ok") {
    throw new ApiError("SERVICE_UNAVAILABLE", {
      detail: "The database is unreachable.",
      headers: { "Retry-After": String(RETRY_AFTER_SECONDS), "Cache-Control": "no-store" },
      extensions: { checks },
    });
  }
  return c.json({ status: "ok" as const, checks: { db: checks.db, cache: checks.cache } }, 200);
};
