import { createMiddleware } from "hono/factory";
import { loadConfig } from "../config";
import { createDb } from "../db/client";
import { createLogger } from "../lib/logger";
import { createCache } from "../services/cache";
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
    c.set("config", config);
    c.set("logger", logger);
    c.set("db", createDb(config));
    c.set("cache", createCache(config, logger));
    await next();
  });
