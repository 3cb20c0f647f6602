import { createMiddleware } from "hono/factory";
import { loadConfig } from "../config";
import { createDb } from "../db/client";
import { createLogger } from "../lib/logger";
import { createCache } from "../services/cache";
import { createRateLimits } from "../services/rate-limit";
import type { AppEnv } from "../types";

/**
 * Builds the request's services from `c.env` and puts them on `c.var`. Workers forbid I/O objects
 * shared across requests, and the bindings arrive with the request, so nothing here is module-level.
 *
 * @example
 * app.use(services());
 * app.get("/x", (c) => c.var.db.select().from(users));
 */
export const services = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const config = loadConfig(c.env);
    const logger = createLogger({ level: config.logLevel, fields: { requestId: c.var.requestId } });
    // Every background promise goes through here (waitUntil): one left floating is cancelled by
    // workerd when the response is done. (Tests that call a built app pass an execution context too.)
    const defer = (work: Promise<unknown>) =>
      c.executionCtx.waitUntil(work.catch((err) => logger.warn("background work failed", { err })));
    const cache = createCache(config, logger, defer);
    c.set("config", config);
    c.set("logger", logger);
    c.set("db", createDb(config));
    c.set("cache", cache);
    c.set("rateLimits", createRateLimits(cache, config));
    c.set("photos", { bucket: c.env.PHOTOS, origin: new URL(c.req.url).origin });
    c.set("defer", defer);
    await next();
  });
