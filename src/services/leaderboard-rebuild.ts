import type { Services } from "../types";
import { LOAD_PAGE, LOCK } from "./leaderboard-scripts";
import {
  boardKeys,
  knownBoards,
  leaderboardScore,
  nextKeys,
  rebuildKeys,
  remember,
  SET_TTL_SECONDS,
  type StoredEntry,
  staleBoards,
} from "./leaderboard-store";
import { type ParticipantRow, participantsPage, REBUILD_PAGE_ROWS } from "./ranking";

/** How long a rebuild may take before another may start (its unfinished keys expire with it). */
const REBUILD_LOCK_MS = 60_000;

const storedEntry = (row: ParticipantRow): StoredEntry => ({
  current: row.current,
  completedAt: row.completed_at,
  joinedAt: row.joined_at,
});

/**
 * Rebuilds a board from PostgreSQL, a page at a time (one database request and one Upstash
 * request per REBUILD_PAGE_ROWS players: each far below Neon's 10 MiB response and Upstash's
 * 10 MB request), into `next` keys that replace the live board when complete. One rebuild per
 * board at a time (a lock that expires, so a rebuild cut short is retried by a later read).
 * Returns the number of players loaded, or undefined when another rebuild holds the lock or
 * Redis or the database failed (the board is then simply missing: reads use the database).
 */
export async function rebuildBoard(
  services: Pick<Services, "db" | "cache">,
  challengeId: string,
): Promise<number | undefined> {
  const { db, cache } = services;
  const token = crypto.randomUUID();
  const locked = await cache.attempt(
    (redis) =>
      redis.eval<string[], number>(
        LOCK,
        [...nextKeys(challengeId), ...rebuildKeys(challengeId)],
        [token, String(REBUILD_LOCK_MS)],
      ),
    0,
  );
  if (locked !== 1) return undefined;
  const pageKeys = [...nextKeys(challengeId), ...boardKeys(challengeId), ...rebuildKeys(challengeId)];
  let after: string | null = null;
  let loaded = 0;
  for (;;) {
    const { rows } = await participantsPage(db, challengeId, after);
    const last = rows.length < REBUILD_PAGE_ROWS;
    const args = [String(REBUILD_LOCK_MS), last ? token : "", String(SET_TTL_SECONDS)];
    for (const row of rows) {
      const entry = storedEntry(row);
      args.push(row.user_id, String(leaderboardScore(entry)), JSON.stringify(entry), row.display_name);
    }
    const written = await cache.attempt(
      (redis) => redis.eval<string[], number>(LOAD_PAGE, pageKeys, args),
      0,
    );
    if (written !== 1) return undefined; // Redis failed, or (last page) the board was dropped meanwhile
    loaded += rows.length;
    after = rows.at(-1)?.user_id ?? null;
    if (last) break;
  }
  staleBoards.delete(challengeId);
  // A board of no players has no sorted set to read: its next read must ask the database at once,
  // not after Redis.
  if (loaded > 0) remember(knownBoards, challengeId);
  return loaded;
}
