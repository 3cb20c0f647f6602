import { buildApp } from "./app";
import { backgroundServices } from "./background";
import type { Bindings } from "./config";
import { sweepOrphanPhotos } from "./services/photos";
import { runScheduledJobs } from "./services/scheduled";

const app = buildApp();

export default {
  fetch: app.fetch,

  /**
   * Cron Trigger (wrangler.toml `[triggers]`): recomputes time-driven progress, closes ended
   * challenges and purges expired data, in bounded chunks within a time budget; what is left
   * continues at the next invocation (src/services/scheduled.ts).
   */
  async scheduled(controller, env, ctx) {
    const services = backgroundServices(env, ctx, { cron: controller.cron });
    await runScheduledJobs(services);
    // Objects no log points at any more (a delete that failed after its commit), older than a day.
    await sweepOrphanPhotos(services);
  },
} satisfies ExportedHandler<Bindings>;
