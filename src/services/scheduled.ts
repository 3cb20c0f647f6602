import { sql } from "drizzle-orm";
import { isDatabaseUnavailable } from "../db/errors";
import { purgeDeletedAccounts } from "./account-purge";
import { type Chunk, closeEndedChallenges, type JobServices, refreshCalorieCaps } from "./challenge-jobs";

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
  /** Participations one chunk recomputes (challenge_progress() each, and awards for completions). */
  refreshUsers: number;
  /** Final ranks one chunk freezes. */
  rankRows: number;
  /** Rows one purge chunk deletes (sessions also take their refresh tokens with them; a deleted
   * account's purge deletes up to this many of each table it owned per chunk). */
  purgeRows: number;
};

export const JOB_LIMITS: JobLimits = {
  budgetMs: 60_000,
  maxChunks: 1_000,
  refreshUsers: 500,
  rankRows: 5_000,
  // 2,000 sessions (with their refresh tokens) took up to 1,066 ms on cold pages at a million
  // expired sessions (bench:scale); half that stays clear of a second per statement.
  purgeRows: 1_000,
};

/** Per task: rows handled, chunks run, the slowest chunk (one database round trip), done or not. */
export type TaskReport = { items: number; chunks: number; longestChunkMs: number; done: boolean };
export type ScheduledReport = {
  refreshedUsers: TaskReport;
  closing: TaskReport & { closedChallenges: string[] };
  purgedSessions: TaskReport;
  purgedIdempotencyKeys: TaskReport;
  purgedWriteEvents: TaskReport;
  purgedLoginFailures: TaskReport;
  /** Rows of deleted accounts removed (users.ts answers a deletion at once; this removes the data). */
  purgedAccounts: TaskReport;
  /** True when nothing due was left for the next invocation. */
  complete: boolean;
  chunks: number;
  elapsedMs: number;
};

/** How long an ended (expired or revoked) session is kept before it is purged. */
const SESSION_GRACE = sql`interval '1 day'`;

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
    // Failed sign-in counts whose last attempt left the 15-minute window (a success deletes its row).
    purgedLoginFailures: purge(
      services,
      limits,
      "login_failures",
      "email_key",
      sql`attempts[cardinality(attempts)] < now() - interval '1 hour'`,
    ),
    purgedAccounts: purgeDeletedAccounts(services, limits),
  };
  type Name = keyof typeof tasks;
  const reports = Object.fromEntries(
    Object.keys(tasks).map((name) => [name, { items: 0, chunks: 0, longestChunkMs: 0, done: false }]),
  ) as Record<Name, TaskReport>;
  let chunks = 0;
  const outOfBudget = () => chunks >= limits.maxChunks || Date.now() - started >= limits.budgetMs;
  // Round robin, one chunk per task per turn: a long backlog in one task never starves the others.
  let pending = Object.keys(tasks) as Name[];
  try {
    while (pending.length > 0 && !outOfBudget()) {
      for (const name of pending) {
        if (outOfBudget()) break;
        const chunkStarted = Date.now();
        const chunk = await tasks[name]();
        const report = reports[name];
        report.longestChunkMs = Math.max(report.longestChunkMs, Date.now() - chunkStarted);
        chunks += 1;
        report.chunks += 1;
        report.items += chunk.items;
        report.done = chunk.done;
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
