/**
 * Where a challenge's board lives in Upstash and how it orders (leaderboard.ts reads and moves it,
 * leaderboard-rebuild.ts builds it), and what this isolate knows of the boards.
 */
export type StoredEntry = { current: number; completedAt: string | null; joinedAt: string };

const EPOCH_MS = Date.parse("2025-01-01T00:00:00Z");
export const SET_TTL_SECONDS = 600;
export const key = (challengeId: string) => `lb:${challengeId}`;
const entriesKey = (challengeId: string) => `lb:${challengeId}:entries`;
export const namesKey = (challengeId: string) => `lb:${challengeId}:names`;
export const boardKeys = (challengeId: string) => [
  key(challengeId),
  entriesKey(challengeId),
  namesKey(challengeId),
];
/** Where a rebuild assembles the board before it replaces the live one (never read as a board). */
export const nextKeys = (challengeId: string) => boardKeys(challengeId).map((name) => `${name}:next`);
/**
 * A rebuild under way: its lock, and the players who left the board meanwhile (the pages it read
 * before they left must not bring them back). Every change to a board also reaches the board being
 * built while the lock is held, and wins over what a page read (it is at least as new).
 */
export const rebuildKeys = (challengeId: string) => [rebuildLockKey(challengeId), `lb:${challengeId}:left`];
export const rebuildLockKey = (challengeId: string) => `lb:${challengeId}:rebuilding`;

/**
 * Ascending score that orders as the ranking does, in exact integers below 2^53: completed players
 * by completion time (ms since 2025, < 2^41); the others above them, by `current` (≤ 1000, the
 * largest target a rule allows) then join time (ms since 2025, < 2^41, i.e. until 2094).
 */
export function leaderboardScore(entry: Pick<StoredEntry, "current" | "completedAt" | "joinedAt">): number {
  const since = (iso: string) => Math.min(Math.max(0, Date.parse(iso) - EPOCH_MS), 2 ** 41 - 1);
  if (entry.completedAt) return since(entry.completedAt);
  return 2 ** 52 - Math.min(entry.current, 1000) * 2 ** 41 + since(entry.joinedAt);
}

/**
 * What this isolate knows of the boards in Redis. `known`: boards it has read or built, so a read of
 * any other asks PostgreSQL at the same time as Redis (a first read in one round trip, not two).
 * `stale`: boards a write could not update while Redis failed; they are rebuilt from PostgreSQL
 * before Redis is trusted with them again. Both are hints for speed and freshness; PostgreSQL stays
 * the source of truth, and boards expire anyway.
 */
export const knownBoards = new Set<string>();
export const staleBoards = new Set<string>();
const HINTS_MAX = 10_000;
export const remember = (set: Set<string>, id: string) => {
  if (set.size >= HINTS_MAX) set.clear();
  set.add(id);
};
