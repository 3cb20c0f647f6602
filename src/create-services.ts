import { type Bindings, loadConfig } from "./config";
import { createDb } from "./db/client";
import { createLogger } from "./lib/logger";
import { createCache } from "./services/cache";
import { createRateLimits } from "./services/rate-limit";
import type { Services } from "./types";

/**
 * The clients a unit of work gets (a request: src/middleware/services.ts; the Cron Trigger:
 * src/background.ts). Workers forbid I/O objects shared across requests, and the bindings arrive
 * with each invocation, so everything is built here, per invocation; building is cheap.
 */
export function createServices(
  env: Bindings,
  options: {
    /** Fields every log line of this unit of work carries (requestId, cron). */
    fields: Record<string, unknown>;
    /** Keeps a promise alive after the response or the invocation (ExecutionContext.waitUntil). */
    waitUntil: (work: Promise<unknown>) => void;
    /** This API's origin, for signed photo URLs ("" where no URL is made). */
    origin: string;
  },
): Services {
  const config = loadConfig(env);
  const logger = createLogger({ level: config.logLevel, fields: options.fields });
  // Every background promise goes through here: one left floating is cancelled by workerd when the
  // response (or the invocation) is done, and its failure is logged, never thrown.
  // (Tests that call a built app pass an execution context too: test/helpers/http.ts fetchWith.)
  const defer = (work: Promise<unknown>) =>
    options.waitUntil(work.catch((err) => logger.warn("background work failed", { err })));
  const cache = createCache(config, logger, defer);
  return {
    config,
    logger,
    db: createDb(config),
    cache,
    rateLimits: createRateLimits(cache, config),
    photos: { bucket: env.PHOTOS, origin: options.origin },
    defer,
  };
}
