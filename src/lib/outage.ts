import type { Logger } from "./logger";

/**
 * Remembers, per isolate, whether a dependency is failing, so an outage is logged once when it
 * starts and once when it ends instead of on every request that meets it.
 *
 * @example
 * const redisOutage = createOutageTracker("redis");
 * try { await redis.get(key); redisOutage.up(logger); } catch (err) { redisOutage.down(logger, err); }
 */
export function createOutageTracker(dependency: string) {
  let downSince: number | undefined;
  let failures = 0;
  return {
    get isDown() {
      return downSince !== undefined;
    },
    down(logger: Logger, err: unknown) {
      failures += 1;
      if (downSince !== undefined) return;
      downSince = Date.now();
      logger.warn(`${dependency} unavailable; serving without it`, { dependency, err });
    },
    /** Records a success; true when it ends an outage. */
    up(logger: Logger): boolean {
      if (downSince === undefined) return false;
      logger.info(`${dependency} available again`, {
        dependency,
        outageMs: Date.now() - downSince,
        failedCalls: failures,
      });
      downSince = undefined;
      failures = 0;
      return true;
    },
  };
}
