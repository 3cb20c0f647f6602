import { sql } from "drizzle-orm";
import type { Database } from "../db/client";

/**
 * A challenge's ranking in PostgreSQL, the source of truth of every board. Ranking: completed
 * first, earlier completion first; then higher `current`; then earlier join; then user id. As
 * ascending keys, that is exactly the index challenge_participants_rank_idx (drizzle/0009), so the
 * top of a board is an index range scan, and "how many are ahead of me" sums counts the database
 * keeps per stretch of that order (drizzle/0019) plus a short range scan: no statement reads or
 * sorts a whole 100,000-player challenge. Closed challenges keep the final
 * ranks the Cron froze (scheduled.ts), which follow the same order.
 */
const KEY_COLUMNS = (alias: string) => [
  `coalesce(${alias}.completed_at, 'infinity'::timestamptz)`,
  `(-${alias}.current)`,
  `${alias}.joined_at`,
  `${alias}.user_id`,
];

const keyRow = (alias: string) => `(${KEY_COLUMNS(alias).join(", ")})`;

/**
 * The ranking order of participant `p`, for `order by` (a list: ordering by the row above would
 * sort by one composite value, which no index serves).
 */
export const RANKING_ORDER = sql.raw(KEY_COLUMNS("p").join(", "));

/** The key of participant `p` as columns k1..k4 (for a CTE that `rankedAfter` compares with). */
export const RANKING_KEY_COLUMNS = sql.raw(
  KEY_COLUMNS("p")
    .map((column, i) => `${column} as k${i + 1}`)
    .join(", "),
);

/** `p` ranks after the participant in CTE `cte` (columns k1..k4); anywhere when `cte` is empty. */
export const rankedAfter = (cte: string) =>
  sql.raw(`${keyRow("p")} > (
    coalesce((select k1 from ${cte}), '-infinity'::timestamptz), coalesce((select k2 from ${cte}), -2147483647),
    coalesce((select k3 from ${cte}), '-infinity'::timestamptz),
    coalesce((select k4 from ${cte}), '00000000-0000-0000-0000-000000000000'::uuid))`);

export type RankedRow = {
  user_id: string;
  display_name: string;
  current: number;
  completed_at: string | null;
  joined_at: string;
  rank: number;
};

/**
 * The top `limit` of a board, ranked: a frozen final rank where there is one, else the position
 * (the same number while the Cron is still freezing ranks top first).
 */
export const topSql = (challengeId: string, limit: number) => sql`
    select p.user_id, u.display_name, p.current, iso_utc(p.completed_at) as completed_at,
           iso_utc(p.joined_at) as joined_at,
           coalesce(p.final_rank, row_number() over (order by ${RANKING_ORDER}))::int as rank
    from challenge_participants p join users u on u.id = p.user_id
    where p.challenge_id = ${challengeId}
    order by ${RANKING_ORDER}
    limit ${limit}`;

export const topQuery = (db: Database, challengeId: string, limit: number) =>
  db.execute<RankedRow>(topSql(challengeId, limit));

/**
 * The players of `me`'s group and minute ahead of `me`, by index range from the minute's first key
 * to `me`'s. Two forms, one per kind of group, each with a scalar lower bound: PostgreSQL 15 positions
 * a B-tree scan on a row comparison only when no other row comparison bounds the same column, so a
 * row-to-row range would scan from the start of the challenge.
 */
const minuteAhead = (challengeId: string) => sql`(
             select count(*) from challenge_participants q
             where me.completed_at is not null and q.challenge_id = ${challengeId}
               and coalesce(q.completed_at, 'infinity'::timestamptz) >= rank_bucket(3, me.at)
               and ${sql.raw(keyRow("q"))} < (me.k1, me.k2, me.k3, me.k4)
           ) + (
             select count(*) from challenge_participants q
             where me.completed_at is null and q.challenge_id = ${challengeId}
               and coalesce(q.completed_at, 'infinity'::timestamptz) = 'infinity' and (-q.current) = me.k2
               and q.joined_at >= rank_bucket(3, me.at) and (q.joined_at, q.user_id) < (me.k3, me.k4))`;

/**
 * The players of `me`'s group in the stretches of `level` (1 day, 2 hour, 3 minute) that lie before
 * `me`'s, within `me`'s stretch of the level above: one index range of challenge_rank_counts (at most
 * the days of a challenge's life, 23 hours or 59 minutes). A level apart each, so that the level and
 * both bounds are in the range.
 */
const stretchesBefore = (challengeId: string, level: 1 | 2 | 3) => sql`(
             select coalesce(sum(c.players), 0) from challenge_rank_counts c
             where c.challenge_id = ${challengeId} and c.level = ${sql.raw(String(level))} and c.grp = me.grp
               and c.bucket >= rank_bucket(${sql.raw(String(level - 1))}, me.at)
               and c.bucket < rank_bucket(${sql.raw(String(level))}, me.at))`;

/**
 * The caller's own entry: its frozen rank, else 1 + how many rank ahead. Counting them in the index
 * would read up to every player (100,000 entries for a big board, most with a heap visit: a table
 * every log write updates); instead the counts the database keeps per stretch of the ranking
 * (challenge_rank_counts, drizzle/0019) are summed — the groups ahead of mine, then my group's days,
 * hours and minutes before my time's — and only the players of my own minute in my group are
 * counted one by one, by index range from that minute's first key to mine.
 */
export const myRankSql = (challengeId: string, userId: string) => sql`
    with me as (
      select p.user_id, p.current, p.completed_at, p.joined_at, p.final_rank,
             rank_group(p.completed_at, p.current) as grp, rank_time(p.completed_at, p.joined_at) as at,
             ${RANKING_KEY_COLUMNS}
      from challenge_participants p
      where p.challenge_id = ${challengeId} and p.user_id = ${userId}
    )
    select me.user_id, me.current, iso_utc(me.completed_at) as completed_at, iso_utc(me.joined_at) as joined_at,
           coalesce(me.final_rank, 1 + (
             select coalesce(sum(c.players), 0) from challenge_rank_counts c
             where c.challenge_id = ${challengeId} and c.level = 0 and c.grp < me.grp
           ) + ${stretchesBefore(challengeId, 1)} + ${stretchesBefore(challengeId, 2)} + ${stretchesBefore(challengeId, 3)}
             + ${minuteAhead(challengeId)}
           )::int as rank
    from me`;

export const myRankQuery = (db: Database, challengeId: string, userId: string) =>
  db.execute<Omit<RankedRow, "display_name">>(myRankSql(challengeId, userId));

export type ParticipantRow = Omit<RankedRow, "rank">;

/**
 * Rows a board rebuild may fetch per request (≈ 150 bytes each: far from Neon's 10 MiB). 1,000 keeps
 * each page well under a second of database time on a 100,000-player board (bench:scale measured a
 * 2,000-row page at 0.24–2.1 s on a loaded machine).
 */
export const REBUILD_PAGE_ROWS = 1_000;

/** A page of a challenge's participants in user id order (primary key), after `afterUserId`. */
export const participantsPage = (db: Database, challengeId: string, afterUserId: string | null) =>
  db.execute<ParticipantRow>(sql`
    select p.user_id, u.display_name, p.current, iso_utc(p.completed_at) as completed_at,
           iso_utc(p.joined_at) as joined_at
    from challenge_participants p join users u on u.id = p.user_id
    where p.challenge_id = ${challengeId}
      and p.user_id > coalesce(${afterUserId}::uuid, '00000000-0000-0000-0000-000000000000'::uuid)
    order by p.user_id
    limit ${REBUILD_PAGE_ROWS}`);
