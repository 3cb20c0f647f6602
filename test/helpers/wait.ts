/** Waiting: for work the Worker defers past its response, and away from clock edges. */

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Retries `attempt` until it neither returns `false` nor throws (an assertion block or a boolean
 * check), for state the Worker updates after its response (cache fills, leaderboards in Redis).
 * Returns what it returned; after `timeoutMs` rethrows its last failure.
 */
export async function eventually<T>(
  attempt: () => Promise<T>,
  timeoutMs = 5000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let failure: unknown = new Error("condition not met in time");
    try {
      const result = await attempt();
      if (result !== false) return result;
    } catch (err) {
      failure = err;
    }
    if (Date.now() > deadline) throw failure;
    await sleep(intervalMs);
  }
}

/** Sleeps until `instant` (ISO) has passed, plus `marginMs`. */
export async function sleepUntil(instant: string, marginMs = 50) {
  const wait = Date.parse(instant) - Date.now() + marginMs;
  if (wait > 0) await sleep(wait);
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * Waits while UTC midnight is near, so a test that reasons about "today" does not straddle two days:
 * from `beforeMs` before midnight until `afterMs` after it (tests log "tomorrow" at 00:00:05, which
 * the API accepts only once it is at most a day ahead).
 */
export async function awayFromMidnight(beforeMs = 20_000, afterMs = 10_000) {
  const sinceMidnight = Date.now() % DAY_MS;
  if (sinceMidnight > DAY_MS - beforeMs) await sleep(DAY_MS - sinceMidnight + afterMs);
  else if (sinceMidnight < afterMs) await sleep(afterMs - sinceMidnight);
}

/**
 * The rate limits are sliding windows over fixed buckets: a run that straddles a bucket boundary
 * sees the earlier hits weighted down, and would need one more hit to reach the limit. A test that
 * must reach a limit in `neededMs` waits for the next bucket when the current one ends sooner.
 */
export async function awayFromWindowEdge(windowSeconds: number, neededMs: number) {
  const windowMs = windowSeconds * 1000;
  const left = windowMs - (Date.now() % windowMs);
  if (left < neededMs) await sleep(left + 50);
}
