import { sql } from "drizzle-orm";
import { isDatabaseUnavailable } from "../db/client";
import type { Services } from "../types";
import { dropLeaderboard, publishProgress } from "./leaderboard";
import type { WriteEvent } from "./logs";
import { RANKING_KEY, RANKING_KEY_COLUMNS, rankedAfter } from "./ranking";
import { invalidateUserCaches } from "./user-cache";

/**
 * The hourly Cron Trigger's work, in bounded chunks. Neon cancels and rolls back a statement whose
 * client gives up (DB_TIMEOUT_MS), so no statement may grow with the data: each chunk is one
 * atomic round trip over at most a few thousand rows, found by index (keyset, never OFFSET), and it
 * commits on its own, leaving a consistent state. Hence the job is safe to stop anywhere (a timeout,
 * a crash, the invocation's end) and to run twice or concurrently (every chunk is idempotent or
 * serialised by a row lock); what an invocation leaves undone, the next one continues.
 */
export type JobLimits = {
  /** Wall time after which no new chunk starts (a chunk already running finishes). */
  budgetMs: number;
  /** Chunks per invocation (each is one database request; Workers count subrequests). */
  maxChunks: number;
  /** Participants whose progress one chunk recomputes (apply_log_write: the heaviest statement). */
  refreshUsers: number;
  /** Final ranks one chunk freezes. */
  rankRows: number;
  /** Rows one purge chunk deletes (sessions also take their refresh tokens with them). */
  purgeRows: number;
};

export const JOB_LIMITS: JobLimits = {
  budgetMs: 25_000,
  maxChunks: 400,
  refreshUsers: 200,
  rankRows: 5_000,
  purgeRows: 2_000,
};

export type TaskReport = { items: number; chunks: number; done: boolean };
export type ScheduledReport = {
  refreshedUsers: TaskReport;
  closing: TaskReport & { closedChallenges: string[] };
  purgedSessions: TaskReport;
  purgedIdempotencyKeys: TaskReport;
  purgedWriteEvents: TaskReport;
  /** True when nothing due was left for the next invocation. */
  complete: boolean;
  chunks: number;
  elapsedMs: number;
};

type JobServices = Pick<Services, "db" | "cache" | "defer" | "logger">;
type Chunk = { items: number; done: boolean };

/** How long an ended (expired or revoked) session is kept before it is purged. */
const SESSION_GRACE = sql`interval '1 day'`;
const NIL = "00000000-0000-0000-0000-000000000000";

const REFRESH_JOB = "refresh_calorie_caps";
const CLOSE_JOB = "close_challenge"; // phase 1 of a closing: the participants' last recomputation
const RANK_JOB = "rank_challenge"; // phase 2: freezing final ranks, top first

type EventsRow = {
  handled: number;
  last: string | null;
  events: { user_id: string; event: WriteEvent }[] | null;
};

/** After a refresh: what moved outside any user's request must reach their caches and the boards. */
function publish(services: JobServices, rows: { user_id: string; event: WriteEvent }[]) {
  invalidateUserCaches(services, [...new Set(rows.map((row) => row.user_id))]);
  for (const { user_id: userId, event } of rows) publishProgress(services, userId, [event]);
}

/** The refresh of `batch` (a CTE of user ids) by the gamification engine, with the events as JSON. */
const applyToBatch = sql`applied as (
    select b.user_id, e.event
    from (select distinct user_id from batch order by user_id) b
    -- The user row first, as a user's own write does (writes.ts), and in id order: the recompute
    -- (whose queries take fresh snapshots) then sees every committed log, and never deadlocks.
    cross join lateral (select u.id from users u where u.id = b.user_id for update) locked
    join lateral apply_log_write(locked.id, gen_random_uuid()) as e(event) on true
  )`;

/**
 * Calorie caps move with time alone (a day counts once it is over): every open, started calorie
 * cap's unfinished participations are recomputed, a chunk at a time, in (challenge, user) order
 * from the stored cursor. A round that reaches the end wraps around, so one invocation with budget
 * enough refreshes every participation that was due when it started.
 */
function refreshCalorieCaps(services: JobServices, limits: JobLimits) {
  const { db } = services;
  let start: string | undefined;
  let wrapped = false;
  return async (): Promise<Chunk> => {
    const [result] = await db.batch([
      db.execute<EventsRow & { after: string }>(sql`
        with after as (
          select coalesce(j.challenge_id, ${NIL}::uuid) as challenge_id, coalesce(j.user_id, ${NIL}::uuid) as user_id
          from (select 1) one left join job_cursors j on j.job = ${REFRESH_JOB}
        ), batch as (
          select c.id as challenge_id, p.user_id
          from after
          cross join lateral (
            select id from challenges
            where closed_at is null and rule->>'type' = 'calorie_cap_days' and id >= after.challenge_id
              and starts_at <= now() and (ends_at is null or ends_at > now())
            order by id
          ) c
          cross join lateral (
            select p.user_id from challenge_participants p
            where p.challenge_id = c.id and p.completed_at is null
              and (c.id > after.challenge_id or p.user_id > after.user_id)
            order by p.user_id limit ${limits.refreshUsers}
          ) p
          order by c.id, p.user_id
          limit ${limits.refreshUsers}
        ), last as (
          select challenge_id, user_id from batch order by challenge_id desc, user_id desc limit 1
        ), ${applyToBatch}, saved as (
          insert into job_cursors (job, challenge_id, user_id)
          select ${REFRESH_JOB}, challenge_id, user_id from last
          where (select count(*) from batch) = ${limits.refreshUsers}
          on conflict (job) do update
            set challenge_id = excluded.challenge_id, user_id = excluded.user_id, updated_at = now()
        ), wrapped as (
          delete from job_cursors where job = ${REFRESH_JOB} and (select count(*) from batch) < ${limits.refreshUsers}
        )
        select (select count(*) from batch)::int as handled,
               (select challenge_id || '/' || user_id from after) as after,
               (select challenge_id || '/' || user_id from last) as last,
               (select json_agg(json_build_object('user_id', user_id, 'event', event)) from applied) as events`),
    ]);
    const row = result.rows[0] as EventsRow & { after: string };
    publish(services, row.events ?? []);
    start ??= row.after;
    const reachedEnd = row.handled < limits.refreshUsers;
    // Done once the round wrapped and came back to where this invocation began.
    const backAtStart = wrapped && (reachedEnd || (row.last !== null && row.last >= start));
    if (reachedEnd) wrapped = true;
    return { items: row.handled, done: backAtStart || (reachedEnd && start === `${NIL}/${NIL}`) };
  };
}

type Cursor = { job: string; challenge_id: string; user_id: string | null };

/**
 * Closes ended challenges, one at a time, in two resumable phases:
 * 1. recompute the unfinished participations (their last day counts), a chunk at a time from the
 *    CLOSE_JOB cursor; when none is left, set `closed_at` (apply_log_write then leaves the
 *    challenge alone, so the ranking is frozen) and start phase 2;
 * 2. freeze final ranks a chunk at a time in ranking order, from the last rank already frozen
 *    (found by index). Readers see a consistent board meanwhile: a frozen rank equals the position
 *    (leaderboard.ts ranks the rest by the same order).
 * Every chunk first locks the challenge row, so two invocations never interleave their ranks.
 */
function closeEndedChallenges(services: JobServices, limits: JobLimits, closed: string[]) {
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
    return refreshChunk(challengeId);
  };

  async function refreshChunk(challengeId: string): Promise<Chunk> {
    const [, refreshed, finished] = await db.batch([
      db.execute(sql`select 1 from challenges where id = ${challengeId} for update`),
      db.execute<EventsRow>(sql`
        with batch as (
          select p.user_id from challenge_participants p
          where p.challenge_id = ${challengeId} and p.completed_at is null
            and p.user_id > coalesce((select user_id from job_cursors
                                      where job = ${CLOSE_JOB} and challenge_id = ${challengeId}), ${NIL}::uuid)
          order by p.user_id limit ${limits.refreshUsers}
        ), ${applyToBatch}, saved as (
          insert into job_cursors (job, challenge_id, user_id)
          select ${CLOSE_JOB}, ${challengeId}, user_id from batch order by user_id desc limit 1
          on conflict (job) do update
            set challenge_id = excluded.challenge_id, user_id = excluded.user_id, updated_at = now()
        )
        select (select count(*) from batch)::int as handled, null as last,
               (select json_agg(json_build_object('user_id', user_id, 'event', event)) from applied) as events`),
      // Nothing left after the cursor: freeze progress, hand over to the ranking phase.
      db.execute<{ id: string }>(sql`
        with remaining as (
          select 1 from challenge_participants p
          where p.challenge_id = ${challengeId} and p.completed_at is null
            and p.user_id > coalesce((select user_id from job_cursors
                                      where job = ${CLOSE_JOB} and challenge_id = ${challengeId}), ${NIL}::uuid)
          limit 1
        ), finished as (
          delete from job_cursors where job = ${CLOSE_JOB} and not exists (select 1 from remaining)
        ), rank_next as (
          insert into job_cursors (job, challenge_id)
          select ${RANK_JOB}, id from challenges where id = ${challengeId} and not exists (select 1 from remaining)
          on conflict (job) do nothing
        )
        update challenges set closed_at = now(), updated_at = now()
        where id = ${challengeId} and closed_at is null and not exists (select 1 from remaining)
        returning id`),
    ]);
    const row = refreshed.rows[0] as EventsRow;
    publish(services, row.events ?? []);
    // A closed board is served from the database (frozen ranks), never from Redis.
    if (finished.rows.length > 0) dropLeaderboard(services, challengeId);
    return { items: row.handled, done: false };
  }

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
                 coalesce((select final_rank from last), 0) + row_number() over (order by ${RANKING_KEY}) as final_rank
          from challenge_participants p
          where p.challenge_id = ${challengeId} and p.final_rank is null and ${rankedAfter("last")}
          order by ${RANKING_KEY}
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

/** A purge: deletes at most `limit` rows that `where` selects (by an index), a chunk at a time. */
function purge(
  services: JobServices,
  limits: JobLimits,
  table: string,
  key: string,
  where: ReturnType<typeof sql>,
) {
  const { db } = services;
  return async (): Promise<Chunk> => {
    const result = await db.execute(sql`
      delete from ${sql.identifier(table)}
      where (${sql.raw(key)}) in (select ${sql.raw(key)} from ${sql.identifier(table)} where ${where} limit ${limits.purgeRows})`);
    const items = result.rowCount ?? 0;
    return { items, done: items < limits.purgeRows };
  };
}

export async function runScheduledJobs(services: JobServices, overrides: Partial<JobLimits> = {}) {
  const limits = { ...JOB_LIMITS, ...overrides };
  const started = Date.now();
  const closedChallenges: string[] = [];
  const tasks = {
    refreshedUsers: refreshCalorieCaps(services, limits),
    closing: closeEndedChallenges(services, limits, closedChallenges),
    purgedSessions: chain(
      purge(services, limits, "sessions", "id", sql`expires_at < now() - ${SESSION_GRACE}`),
      purge(services, limits, "sessions", "id", sql`revoked_at < now() - ${SESSION_GRACE}`),
    ),
    purgedIdempotencyKeys: purge(
      services,
      limits,
      "idempotency_keys",
      "user_id, key",
      sql`expires_at <= now()`,
    ),
    purgedWriteEvents: purge(
      services,
      limits,
      "write_events",
      "write_id, seq",
      sql`created_at < now() - interval '24 hours'`,
    ),
  };
  type Name = keyof typeof tasks;
  const reports = Object.fromEntries(
    Object.keys(tasks).map((name) => [name, { items: 0, chunks: 0, done: false }]),
  ) as Record<Name, TaskReport>;
  let chunks = 0;
  const outOfBudget = () => chunks >= limits.maxChunks || Date.now() - started >= limits.budgetMs;
  // Round robin, one chunk per task per turn: a long backlog in one task never starves the others.
  let pending = Object.keys(tasks) as Name[];
  try {
    while (pending.length > 0 && !outOfBudget()) {
      for (const name of pending) {
        if (outOfBudget()) break;
        const chunk = await tasks[name]();
        chunks += 1;
        reports[name].chunks += 1;
        reports[name].items += chunk.items;
        reports[name].done = chunk.done;
      }
      pending = pending.filter((name) => !reports[name].done);
    }
  } catch (err) {
    // What committed stays; the next invocation resumes from the cursors. A bug is still a bug.
    if (!isDatabaseUnavailable(err)) throw err;
    services.logger.warn("scheduled jobs stopped: database unavailable", { err });
  }
  const report: ScheduledReport = {
    ...reports,
    closing: { ...reports.closing, closedChallenges },
    complete: pending.length === 0,
    chunks,
    elapsedMs: Date.now() - started,
  };
  services.logger.info("scheduled jobs done", report);
  return report;
}

/** Runs `first` until it is done, then `second`: one task of two sources (an empty `first` costs no turn). */
function chain(first: () => Promise<Chunk>, second: () => Promise<Chunk>) {
  let firstDone = false;
  return async (): Promise<Chunk> => {
    if (!firstDone) {
      const chunk = await first();
      firstDone = chunk.done;
      if (chunk.items > 0 || !chunk.done) return { items: chunk.items, done: false };
    }
    return second();
  };
}
