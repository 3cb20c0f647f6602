import { type Bindings, loadConfig } from "./config";
import { createDb } from "./db/client";
import { createLogger } from "./lib/logger";
import { createCache } from "./services/cache";
import type { Services } from "./types";

/**
 * The services of work that no request carries (the Cron Trigger): the same clients a request
 * gets (src/middleware/services.ts), with deferred work kept alive by the invocation's context.
 */
export function backgroundServices(
  env: Bindings,
  ctx: Pick<ExecutionContext, "waitUntil">,
  fields: Record<string, unknown>,
): Pick<Services, "config" | "db" | "cache" | "logger" | "defer"> {
  const config = loadConfig(env);
  const logger = createLogger({ level: config.logLevel, fields });
  const defer = (work: Promise<unknown>) =>
    ctx.waitUntil(work.catch((err) => logger.warn("background work failed", { err })));
  return { config, db: createDb(config), cache: createCache(config, logger, defer), logger, defer };
}
