import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../types";

const allowHeaders = ["Content-Type", "Authorization", "Idempotency-Key", "X-Request-Id"];
const exposeHeaders = [
  "X-Request-Id",
  "Retry-After",
  "RateLimit-Limit",
  "RateLimit-Remaining",
  "RateLimit-Reset",
];

/**
 * CORS for the origins listed in `CORS_ORIGINS` only, with credentials (cookies). Any other origin
 * gets no CORS headers at all, so a browser there can neither read responses nor send cookies
 * through a preflighted request.
 *
 * @example
 * app.use(corsAllowlist()); // CORS_ORIGINS="https://sikdan.app,http://localhost:3000"
 */
export const corsAllowlist = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const origin = c.req.header("origin");
    const allowed = c.var.config.corsOrigins;
    if (origin && allowed.includes(origin)) {
      const allow = cors({
        origin,
        credentials: true,
        allowHeaders,
        exposeHeaders,
        allowMethods: ["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        maxAge: 600,
      });
      return allow(c, next);
    }
    c.header("Vary", "Origin", { append: true });
    if (c.req.method === "OPTIONS" && c.req.header("access-control-request-method")) {
      return c.body(null, 204);
    }
    await next();
  });
