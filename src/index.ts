import { buildApp } from "./app";
import { type Bindings, loadConfig } from "./config";
import { createDb } from "./db/client";
import { createLogger } from "./lib/logger";
import { createCache } from "./services/cache";
import { sweepOrphanPhotos } from "./services/photos";
import { runScheduledJobs } from "./services/scheduled";

const app = buildApp();

export default {
  fetch: app.fetch,

  /** Cron Trigger (wrangler.toml `[triggers]`): closes ended challenges and purges expired data. */
  async scheduled(controller, env, ctx) {
    const config = loadConfig(env);
    const logger = createLogger({ level: config.logLevel, fields: { cron: controller.cron } });
    const defer = (work: Promise<unknown>) =>
      ctx.waitUntil(work.catch((err) => logger.warn("background work failed", { err })));
    const db = createDb(config);
    await runScheduledJobs({
      db,
      cache: createCache(config, logger, defer),
      logger,
      defer,
    });
    // Objects no log points at any more (a delete that failed after its commit), older than a day.
    await sweepOrphanPhotos({ db, logger, photos: { bucket: env.PHOTOS, origin: "" } });
  },
} satisfies ExportedHandler<Bindings>;
