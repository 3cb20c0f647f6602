import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../types";

/** One structured line per request, for Workers Logs: route, status and duration. */
export const accessLog = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const started = Date.now();
    await next();
    c.var.logger?.info("request", {
      method: c.req.method,
      route: c.req.routePath,
      path: c.req.path,
      status: c.res.status,
      durationMs: Date.now() - started,
    });
  });
