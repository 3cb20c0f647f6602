import type { Services } from "../types";
import {
  boardKeys,
  knownBoards,
  leaderboardScore,
  nextKeys,
  rebuildLockKey,
  remember,
  SET_TTL_SECONDS,
  type StoredEntry,
  staleBoards,
} from "./leaderboard-store";
import { type ParticipantRow, participantsPage, REBUILD_PAGE_ROWS } from "./ranking";

// One page of a rebuild: adds the players the board being built (KEYS[1..3]) does not have yet (a
// player it has was written there by a newer UPSERT). ARGV: its TTL (ms), the rebuild's token on the
// last page ('' before), the live board's TTL (s), then (id, score, entry, name) per player. After
// the last page, in the same script (so a page that fails is never swapped in), the board built
// replaces the live one (KEYS[4..6]) at once, if this rebuild still holds the lock (KEYS[7] = token):
// a dropped board (closed, deleted) is not brought back.
const LOAD_PAGE = `
for i = 4, #ARGV, 4 do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then
    redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i])
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 2])
    redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 3])
  end
end
for k = 1, 3 do redis.call('PEXPIRE', KEYS[k], ARGV[1]) end
if ARGV[2] == '' then return 1 end
if redis.call('GET', KEYS[7]) ~= ARGV[2] then return 0 end
if redis.call('EXISTS', KEYS[1]) == 1 then
  for k = 1, 3 do
    redis.call('DEL', KEYS[k + 3])
    if redis.call('EXISTS', KEYS[k]) == 1 then redis.call('RENAME', KEYS[k], KEYS[k + 3]) end
    redis.call('EXPIRE', KEYS[k + 3], ARGV[3])
  end
end
redis.call('DEL', KEYS[7])
return 1`;

// Takes the rebuild lock (KEYS[4] = ARGV[1], for ARGV[2] ms) and clears what an earlier rebuild cut
// short left in the `next` keys (KEYS[1..3]); 0 when another rebuild holds it.
const LOCK = `
if redis.call('EXISTS', KEYS[4]) == 1 then return 0 end
redis.call('SET', KEYS[4], ARGV[1], 'PX', ARGV[2])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return 1`;

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
        [...nextKeys(challengeId), rebuildLockKey(challengeId)],
        [token, String(REBUILD_LOCK_MS)],
      ),
    0,
  );
  if (locked !== 1) return undefined;
  const pageKeys = [...nextKeys(challengeId), ...boardKeys(challengeId), rebuildLockKey(challengeId)];
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
