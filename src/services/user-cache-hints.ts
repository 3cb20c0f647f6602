/** Hints of the user cache (user-cache.ts) about which reads will miss: for speed only. */

/**
 * Users this isolate saw write, and the entries re-read since: the next read of any other entry is
 * known to miss, so it asks PostgreSQL at the same time as Redis instead of after it (a cold read in
 * one round trip rather than two). Only a hint: correctness never depends on it. Bounded, and
 * forgotten after the entry TTL (user-cache.ts).
 */
const recentWriters = new Map<string, { at: number; reread: Set<string> }>();
const RECENT_WRITERS_MAX = 10_000;

export function rememberWriter(userId: string) {
  recentWriters.delete(userId);
  if (recentWriters.size >= RECENT_WRITERS_MAX) {
    const oldest = recentWriters.keys().next().value;
    if (oldest !== undefined) recentWriters.delete(oldest);
  }
  recentWriters.set(userId, { at: Date.now(), reread: new Set() });
}

/** Whether `name` is known to miss for the user: written since, and not re-read since. */
export function expectMiss(userId: string, name: string, forgetAfterMs: number) {
  const writer = recentWriters.get(userId);
  if (!writer) return false;
  if (Date.now() - writer.at > forgetAfterMs) {
    recentWriters.delete(userId);
    return false;
  }
  return !writer.reread.has(name);
}

export function noteReread(userId: string, name: string) {
  recentWriters.get(userId)?.reread.add(name);
}

export function forgetWriters() {
  recentWriters.clear();
}
