import type { Logger } from "./logger";

/** How long an open breaker skips the dependency before one call is let through as a probe. */
export const BREAKER_RETRY_MS = 1000;

/**
 * A per-isolate circuit breaker for an optional dependency (Redis): while it is failing, callers
 * skip it at once instead of each waiting out its timeout.
 *
 * - closed: every call goes through; the first failure opens it (a timeout already cost its caller
 *   the whole wait, so a second one is not asked for);
 * - open: `allow()` says no until BREAKER_RETRY_MS have passed, then yes to exactly one call (the
 *   half-open probe) while the others keep skipping;
 * - the probe's success closes it, its failure opens it for another BREAKER_RETRY_MS.
 *
 * An outage is logged once when it starts (warn) and once when it ends (info). `recoveries` counts
 * the outages this isolate has seen end: whoever must re-check something after an outage (the user
 * cache's epoch) compares it with the count it last checked at.
 *
 * @example
 * if (!breaker.allow()) return fallback;
 * try { const value = await call(); breaker.succeeded(logger); return value; }
 * catch (err) { breaker.failed(logger, err); return fallback; }
 */
export function createBreaker(dependency: string) {
  let openedAt: number | undefined;
  let retryAt = 0;
  let probing = false;
  let failures = 0;
  let recoveries = 0;
  return {
    get isOpen() {
      return openedAt !== undefined;
    },
    get recoveries() {
      return recoveries;
    },
    /** True when a call may go to the dependency now (closed, or this call is the probe). */
    allow(): boolean {
      if (openedAt === undefined) return true;
      if (probing || Date.now() < retryAt) return false;
      probing = true;
      return true;
    },
    failed(logger: Logger, err: unknown): void {
      failures += 1;
      probing = false;
      retryAt = Date.now() + BREAKER_RETRY_MS;
      if (openedAt !== undefined) return;
      openedAt = Date.now();
      logger.warn(`${dependency} unavailable; serving without it`, { dependency, err });
    },
    /** Records a success; true when it ends an outage (the caller runs its recovery work). */
    succeeded(logger: Logger): boolean {
      probing = false;
      if (openedAt === undefined) return false;
      logger.info(`${dependency} available again`, {
        dependency,
        outageMs: Date.now() - openedAt,
        failedCalls: failures,
      });
      openedAt = undefined;
      failures = 0;
      recoveries += 1;
      return true;
    },
    /** Test seam: back to "closed, never failed", as in a fresh isolate. */
    reset(): void {
      openedAt = undefined;
      retryAt = 0;
      probing = false;
      failures = 0;
    },
  };
}
