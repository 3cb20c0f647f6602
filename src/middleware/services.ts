import { createMiddleware } from "hono/factory";
import { createServices } from "../create-services";
import type { AppEnv } from "../types";

/**
 * Builds the request's services from `c.env` (src/create-services.ts) and puts them on `c.var`.
 *
 * @example
 * app.use(services());
 * app.get("/x", (c) => c.var.db.select().from(users));
 */
export const services = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const built = createServices(c.env, {
      fields: { requestId: c.var.requestId },
      waitUntil: (work) => c.executionCtx.waitUntil(work),
      origin: new URL(c.req.url).origin,
    });
    c.set("config", built.config);
    c.set("logger", built.logger);
    c.set("db", built.db);
    c.set("cache", built.cache);
    c.set("rateLimits", built.rateLimits);
    c.set("photos", built.photos);
    c.set("defer", built.defer);
    await next();
  });
