import { sql } from "drizzle-orm";
import { lockUsers } from "../db/locks";
import type { WriteEvent } from "../routes/challenges/challenges.schemas";
import type { Services } from "../types";
import { dropLeaderboard, type ProgressChange, publishProgress, updateLeaderboards } from "./leaderboard";
import { RANKING_KEY_COLUMNS, RANKING_ORDER, rankedAfter } from "./ranking";
import { invalidateUserCaches } from "./user-cache";

/**
 * The Cron's challenge work (scheduled.ts runs it), as chunks: each one atomic round trip over a
 * bounded number of participants of ONE challenge, found by index from a cursor kept in
 * `job_cursors` and moved in the same transaction. Any chunk may be the last of an invocation.
 */
export type JobServices = Pick<Services, "db" | "cache" | "defer" | "logger">;
export type Chunk = { items: number; done: boolean };
export type ChallengeJobLimits = { refreshUsers: number; rankRows: number };

const NIL = "00000000-0000-0000-0000-000000000000";
const REFRESH_JOB = "refresh_calorie_caps";
const CLOSE_JOB = "close_challenge"; // phase 1 of a closing: the participants' last recomputation
const RANK_JOB = "rank_challenge"; // phase 2: freezing final ranks, top first

type Cursor = { job: string; challenge_id: string; user_id: string | null };
type MovedRow = { user_id: string; current: number; completed_at: string | null; joined_at: string };

/** The unfinished participants of `challengeId` after the job's cursor, in user id order. */
const batchAfterCursor = (job: string, challengeId: string, limit: number) => sql`
  select p.user_id from challenge_participants p
  where p.challenge_id = ${challengeId} and p.completed_at is null
    and p.user_id > coalesce((select user_id from job_cursors where job = ${job} and challenge_id = ${challengeId}),
                             ${NIL}::uuid)
  order by p.user_id limit ${limit}`;

/**
 * Recomputes one chunk of a challenge's unfinished participations with the rule engine
 * (challenge_progress(), one participation each: no other challenge, no badge), then lets
 * apply_log_write award what the few who just completed have earned. The users' rows are locked
 * first (in id order, as a user's own write locks its row), so every committed log is counted and
 * no concurrent write of theirs interleaves. The cursor moves to the chunk's last user.
 */
async function recomputeChunk(
  services: JobServices,
  job: string,
  challengeId: string,
  limit: number,
  transition: ReturnType<typeof sql>,
) {
  const { db } = services;
  const batch = batchAfterCursor(job, challengeId, limit);
  const [, , recomputed, awarded, finished] = await db.batch([
    db.execute(sql`select 1 from challenges where id = ${challengeId} for update`),
    db.execute(lockUsers(batch)),
    db.execute<{ handled: number; moved: MovedRow[] | null }>(sql`
      with batch as (${batch}), fresh as (
        select p.user_id, (c.rule->>'target')::int as target,
               challenge_progress(c.rule, p.user_id, p.window_start, p.window_end,
                                  local_day(now(), u.timezone, u.day_start_hour)) as progress
        from batch b
        join challenge_participants p on p.challenge_id = ${challengeId} and p.user_id = b.user_id
        join challenges c on c.id = p.challenge_id
        join users u on u.id = p.user_id
      ), moved as (
        update challenge_participants p
           set current = fresh.progress,
               completed_at = coalesce(p.completed_at, case when fresh.progress >= fresh.target then now() end)
          from fresh
         where p.challenge_id = ${challengeId} and p.user_id = fresh.user_id
           and (p.current <> fresh.progress or (p.completed_at is null and fresh.progress >= fresh.target))
        returning p.user_id, p.current, iso_utc(p.completed_at) as completed_at, iso_utc(p.joined_at) as joined_at
      ), saved as (
        insert into job_cursors (job, challenge_id, user_id)
        select ${job}, ${challengeId}, user_id from batch order by user_id desc limit 1
        on conflict (job) do update
          set challenge_id = excluded.challenge_id, user_id = excluded.user_id, updated_at = now()
      )
      select (select count(*) from batch)::int as handled, (select json_agg(moved) from moved) as moved`),
    // Completed in this transaction (now() is its start): badges, exactly once, by the engine.
    db.execute<{ user_id: string; event: WriteEvent }>(sql`
      select m.user_id, e.event
      from (select distinct user_id from challenge_participants
            where challenge_id = ${challengeId}
              and coalesce(completed_at, 'infinity'::timestamptz) = now()) m
      cross join lateral apply_log_write(m.user_id, gen_random_uuid()) as e(event)`),
    // Nothing left after the cursor: the caller's `transition` (more CTEs after `remaining`: the
    // next challenge, or the closing), in the same transaction.
    db.execute<{ finished: boolean }>(sql`
      with remaining as (
        select 1 from challenge_participants p
        where p.challenge_id = ${challengeId} and p.completed_at is null
          and p.user_id > coalesce((select user_id from job_cursors where job = ${job} and challenge_id = ${challengeId}),
                                   ${NIL}::uuid)
        limit 1
      )${transition}
      select not exists (select 1 from remaining) as finished`),
  ]);
  const { handled, moved } = recomputed.rows[0] as { handled: number; moved: MovedRow[] | null };
  const changes: ProgressChange[] = (moved ?? []).map((row) => ({
    challengeId,
    userId: row.user_id,
    current: row.current,
    completedAt: row.completed_at,
    joinedAt: row.joined_at,
  }));
  // What moved outside any user's request must reach their caches and the boards too.
  updateLeaderboards(services, changes);
  invalidateUserCaches(services, [
    ...new Set([...changes.map((c) => c.userId), ...awarded.rows.map((r) => r.user_id)]),
  ]);
  for (const { user_id: userId, event } of awarded.rows) publishProgress(services, userId, [event]);
  return { handled, finished: finished.rows[0]?.finished === true };
}

/**
 * Calorie caps move with time alone (a day counts once it is over): every open, started calorie
 * cap's unfinished participations are recomputed, challenge by challenge (id order), a chunk at a
 * time from the stored cursor. A round that reaches the last challenge starts again from the first,
 * so an invocation with budget enough refreshes everything that was due when it began.
 */
export function refreshCalorieCaps(services: JobServices, limits: ChallengeJobLimits) {
  const { db } = services;
  let start: string | undefined;
  let wrapped = false;
  return async (): Promise<Chunk> => {
    const [cursors, candidates] = await db.batch([
      db.execute<Cursor>(sql`select job, challenge_id, user_id from job_cursors where job = ${REFRESH_JOB}`),
      db.execute<{ id: string }>(sql`
        select id from challenges
        where closed_at is null and rule->>'type' = 'calorie_cap_days' and starts_at <= now()
          and (ends_at is null or ends_at > now())
          and id >= coalesce((select challenge_id from job_cursors where job = ${REFRESH_JOB}), ${NIL}::uuid)
        order by id limit 2`),
    ]);
    const cursor = cursors.rows[0];
    const [current, next] = candidates.rows;
    const position = cursor ? `${cursor.challenge_id}/${cursor.user_id ?? ""}` : "";
    start ??= position;
    if (wrapped && position >= start) return { items: 0, done: true }; // a whole round since we began
    if (!current) {
      // The end of the round: start again from the first challenge (once per invocation).
      await db.execute(sql`delete from job_cursors where job = ${REFRESH_JOB}`);
      const done = wrapped || start === "";
      wrapped = true;
      return { items: 0, done };
    }
    // At a new challenge (or the cursor's vanished): start it from its first participant.
    if (cursor && cursor.challenge_id !== current.id) {
      await db.execute(sql`
        update job_cursors set challenge_id = ${current.id}, user_id = null, updated_at = now()
        where job = ${REFRESH_JOB}`);
    }
    const { handled, finished } = await recomputeChunk(
      services,
      REFRESH_JOB,
      current.id,
      limits.refreshUsers,
      sql`, advanced as (
            insert into job_cursors (job, challenge_id, user_id)
            select ${REFRESH_JOB}, ${next?.id ?? null}::uuid, null
            where ${next?.id ?? null}::uuid is not null and not exists (select 1 from remaining)
            on conflict (job) do update set challenge_id = excluded.challenge_id, user_id = null, updated_at = now()
          ), round_over as (
            delete from job_cursors
            where job = ${REFRESH_JOB} and ${next?.id ?? null}::uuid is null and not exists (select 1 from remaining)
          )`,
    );
    if (finished && !next) {
      const done = wrapped || start === "";
      wrapped = true;
      return { items: handled, done };
    }
    return { items: handled, done: false };
  };
}

/**
 * Closes ended challenges, one at a time, in two resumable phases:
 * 1. recompute the unfinished participations (their last day counts), a chunk at a time from the
 *    CLOSE_JOB cursor; when none is left, set `closed_at` (apply_log_write then leaves the
 *    challenge alone: the ranking is frozen) and hand over to phase 2;
 * 2. freeze final ranks a chunk at a time in ranking order, after the last rank already frozen
 *    (found by index). Readers see one consistent board meanwhile: a frozen rank equals the
 *    position that ranking.ts gives the others.
 * Every chunk first locks the challenge row, so two invocations never interleave their ranks.
 */
export function closeEndedChallenges(services: JobServices, limits: ChallengeJobLimits, closed: string[]) {
  const { db } = services;
  return async (): Promise<Chunk> => {
    const [cursors, due] = await db.batch([
      db.execute<Cursor>(sql`
        select job, challenge_id, user_id from job_cursors where job in (${CLOSE_JOB}, ${RANK_JOB})`),
      db.execute<{ id: string }>(sql`
        select id from challenges where closed_at is null and ends_at <= now() order by ends_at, id limit 1`),
    ]);
    const ranking = cursors.rows.find((cursor) => cursor.job === RANK_JOB);
    if (ranking) return rankChunk(ranking.challenge_id);
    const closing = cursors.rows.find((cursor) => cursor.job === CLOSE_JOB);
    const challengeId = closing?.challenge_id ?? due.rows[0]?.id;
    if (!challengeId) return { items: 0, done: true };
    const { handled, finished } = await recomputeChunk(
      services,
      CLOSE_JOB,
      challengeId,
      limits.refreshUsers,
      // Progress frozen (apply_log_write skips closed challenges), ranking next.
      sql`, closing_done as (
            delete from job_cursors where job = ${CLOSE_JOB} and not exists (select 1 from remaining)
          ), rank_next as (
            insert into job_cursors (job, challenge_id)
            select ${RANK_JOB}, id from challenges where id = ${challengeId} and not exists (select 1 from remaining)
            on conflict (job) do nothing
          ), frozen as (
            update challenges set closed_at = now(), updated_at = now()
            where id = ${challengeId} and closed_at is null and not exists (select 1 from remaining)
          )`,
    );
    // A closed board is served from the database (frozen ranks), never from Redis.
    if (finished) dropLeaderboard(services, challengeId);
    return { items: handled, done: false };
  };
  async function rankChunk(challengeId: string): Promise<Chunk> {
    const [, ranked, finished] = await db.batch([
      db.execute(sql`select 1 from challenges where id = ${challengeId} for update`),
      db.execute(sql`
        with last as (
          select p.final_rank, ${RANKING_KEY_COLUMNS}
          from challenge_participants p
          where p.challenge_id = ${challengeId} and p.final_rank is not null
          order by p.final_rank desc limit 1
        ), next as (
          select p.user_id,
                 coalesce((select final_rank from last), 0) + row_number() over (order by ${RANKING_ORDER}) as final_rank
          from challenge_participants p
          where p.challenge_id = ${challengeId} and p.final_rank is null and ${rankedAfter("last")}
          order by ${RANKING_ORDER}
          limit ${limits.rankRows}
        )
        update challenge_participants p set final_rank = next.final_rank
        from next where p.challenge_id = ${challengeId} and p.user_id = next.user_id`),
      db.execute<{ challenge_id: string }>(sql`
        delete from job_cursors
        where job = ${RANK_JOB} and challenge_id = ${challengeId} and not exists (
          select 1 from challenge_participants where challenge_id = ${challengeId} and final_rank is null)
        returning challenge_id`),
    ]);
    if (finished.rows.length > 0) closed.push(challengeId);
    return { items: ranked.rowCount ?? 0, done: false };
  }
}
