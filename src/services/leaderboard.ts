import type * as z from "zod";
import { sessionEnded } from "../lib/errors";
import type { LeaderboardSchema, WriteEvent } from "../routes/challenges/challenges.schemas";
import type { AuthContext, Services } from "../types";
import { rebuildBoard } from "./leaderboard-rebuild";
import { READ, REMOVE, RENAME, UPSERT } from "./leaderboard-scripts";
import {
  boardKeys,
  knownBoards,
  leaderboardScore,
  namesKey,
  nextKeys,
  rebuildKeys,
  rebuildLockKey,
  remember,
  type StoredEntry,
  staleBoards,
} from "./leaderboard-store";
import type { RankedRow } from "./ranking";
import { isRevocationPending, revokedSessionKey } from "./revocation";

/**
 * Challenge leaderboards: an Upstash sorted set per challenge (member = user id, ascending score =
 * rank) plus a hash of the entries, updated after each write that moves progress. PostgreSQL stays
 * the source of truth: when Redis is down or the set is missing, the top of the board and the
 * caller's rank are read from the database (by index, ranking.ts) and the set is rebuilt after the
 * response, in bounded pages, into separate keys that replace the board at once when complete.
 *
 * Ranking: completed first, earlier completion first; then higher `current`; then earlier join; the
 * database breaks remaining ties by user id, as Redis does for equal scores. Redis keeps completion
 * times to the millisecond, so two completions within one millisecond tie-break by user id.
 */
export type LeaderboardEntry = z.infer<typeof LeaderboardSchema>["items"][number];

type Board = { items: LeaderboardEntry[]; me: Omit<LeaderboardEntry, "user"> | null };

const parseEntry = (raw: unknown): StoredEntry | undefined => {
  if (!raw) return undefined;
  return (typeof raw === "string" ? JSON.parse(raw) : raw) as StoredEntry;
};

async function fromRedis(services: Services, auth: AuthContext, challengeId: string, limit: number) {
  if (isRevocationPending(auth.sessionId)) throw sessionEnded();
  const userId = auth.userId;
  const result = await services.cache.attempt(
    (redis) =>
      redis.eval<string[], [string[], unknown[], unknown[], number, unknown] | "revoked" | null>(
        READ,
        [...boardKeys(challengeId), revokedSessionKey(auth.sessionId)],
        [String(limit), userId],
      ),
    null,
  );
  if (result === "revoked") throw sessionEnded();
  if (!result) return undefined;
  const [ids, entries, names, myRank, mine] = result;
  const items: LeaderboardEntry[] = [];
  for (const [index, id] of ids.entries()) {
    const entry = parseEntry(entries[index]);
    const displayName = names[index];
    if (!entry || !displayName) return undefined; // an inconsistent board: rebuild it from the database
    items.push({
      rank: index + 1,
      user: { id: String(id), displayName: String(displayName) },
      ...pick(entry),
    });
  }
  const myEntry = parseEntry(mine);
  return {
    items,
    me: myRank >= 0 && myEntry ? { rank: myRank + 1, ...pick(myEntry) } : null,
  } satisfies Board;
}

const pick = (entry: StoredEntry) => ({ current: entry.current, completedAt: entry.completedAt });

/** A board from the database's top rows and the caller's own row (ranking.ts). */
function boardFromRows(top: RankedRow[], mine: Omit<RankedRow, "display_name"> | undefined): Board {
  const toEntry = (row: Omit<RankedRow, "display_name">) => ({
    rank: row.rank,
    current: row.current,
    completedAt: row.completed_at,
  });
  return {
    items: top.map((row) => ({ ...toEntry(row), user: { id: row.user_id, displayName: row.display_name } })),
    me: mine ? toEntry(mine) : null,
  };
}

function rebuild(services: Services, challengeId: string) {
  services.defer(
    rebuildBoard(services, challengeId).catch((err) =>
      services.logger.warn("leaderboard rebuild failed", { challengeId, err }),
    ),
  );
}

/**
 * Top `limit` and the caller's own rank: from Redis when the board is there, else from `load` (the
 * database), after which the board of an open challenge is rebuilt.
 */
export async function readLeaderboard(
  services: Services,
  auth: AuthContext,
  challengeId: string,
  limit: number,
  load: () => Promise<{
    closed: boolean;
    top: RankedRow[];
    mine: Omit<RankedRow, "display_name"> | undefined;
  }>,
): Promise<Board> {
  const stale = staleBoards.has(challengeId);
  const speculative = stale || !knownBoards.has(challengeId) ? load() : undefined;
  speculative?.catch(() => {}); // awaited below unless Redis answers; never an unhandled rejection
  if (!stale) {
    const cached = await fromRedis(services, auth, challengeId, limit);
    if (cached) {
      remember(knownBoards, challengeId);
      return cached;
    }
  }
  const { closed, top, mine } = await (speculative ?? load());
  if (!closed) rebuild(services, challengeId);
  return boardFromRows(top, mine);
}

/** Forgets a board (its challenge was deleted or closed). */
export function dropLeaderboard(services: Pick<Services, "cache" | "defer">, challengeId: string) {
  knownBoards.delete(challengeId);
  const keys = [...boardKeys(challengeId), ...nextKeys(challengeId), ...rebuildKeys(challengeId)];
  services.defer(services.cache.attempt((redis) => redis.del(...keys), 0));
}

export type ProgressChange = {
  challengeId: string;
  userId: string;
  /** Needed when the player may be new to the board (a join); log writes leave it empty. */
  displayName?: string;
  current: number;
  completedAt: string | null;
  joinedAt: string;
};

/** Moves players on the boards that exist, after the response. */
export function updateLeaderboards(services: Pick<Services, "cache" | "defer">, changes: ProgressChange[]) {
  if (changes.length === 0) return;
  const markStale = () => {
    for (const change of changes) remember(staleBoards, change.challengeId);
  };
  services.defer(
    services.cache
      .attempt(async (redis) => {
        const pipeline = redis.pipeline();
        for (const change of changes) {
          const entry: StoredEntry = {
            current: change.current,
            completedAt: change.completedAt,
            joinedAt: change.joinedAt,
          };
          pipeline.eval(
            UPSERT,
            [
              ...boardKeys(change.challengeId),
              ...nextKeys(change.challengeId),
              ...rebuildKeys(change.challengeId),
            ],
            [change.userId, leaderboardScore(entry), JSON.stringify(entry), change.displayName ?? ""],
          );
        }
        await pipeline.exec();
        return true;
      }, false)
      .then((updated) => {
        if (!updated) markStale();
      }),
  );
}

/** Moves the user on the boards of the challenges a write's events name (after the response). */
export function publishProgress(
  services: Pick<Services, "cache" | "defer">,
  userId: string,
  events: WriteEvent[],
) {
  updateLeaderboards(
    services,
    events.flatMap((event) =>
      event.type === "challenge_progress"
        ? [
            {
              challengeId: event.challengeId,
              userId,
              current: event.current,
              completedAt: event.completedAt,
              joinedAt: event.joinedAt,
            },
          ]
        : [],
    ),
  );
}

/** Shows a player's new display name on the boards that exist. */
export function renameOnLeaderboards(
  services: Services,
  userId: string,
  displayName: string,
  challengeIds: string[],
) {
  if (challengeIds.length === 0) return;
  services.defer(
    services.cache.attempt(async (redis) => {
      const pipeline = redis.pipeline();
      for (const id of challengeIds) {
        pipeline.eval(
          RENAME,
          [namesKey(id), `${namesKey(id)}:next`, rebuildLockKey(id)],
          [userId, displayName],
        );
      }
      await pipeline.exec();
    }, undefined),
  );
}

/** Takes players off boards (leaving a challenge, deleting the account). */
export function removeFromLeaderboards(services: Services, userId: string, challengeIds: string[]) {
  if (challengeIds.length === 0) return;
  services.defer(
    services.cache.attempt(async (redis) => {
      const pipeline = redis.pipeline();
      for (const id of challengeIds)
        pipeline.eval(REMOVE, [...boardKeys(id), ...nextKeys(id), ...rebuildKeys(id)], [userId]);
      await pipeline.exec();
    }, undefined),
  );
}
