import { sql } from "drizzle-orm";
import type { Services } from "../types";
import { dropLeaderboard, publishProgress } from "./leaderboard";
import type { WriteEvent } from "./logs";
import { invalidateUserCaches } from "./user-cache";

export type ScheduledReport = {
  refreshedUsers: number;
  closedChallenges: number;
  purgedSessions: number;
  purgedIdempotencyKeys: number;
  purgedWriteEvents: number;
};

/** How long an ended (expired or revoked) session is kept before it is purged. */
const SESSION_GRACE = sql`interval '1 day'`;

/**
 * The Cron Trigger's work, in one atomic round trip, safe to run twice (a second run finds nothing
 * left to do):
 * 1. recompute participations whose progress moves with time alone: calorie caps (a day counts
 *    once finished) and challenges that have ended but are not closed yet (their last day counts);
 * 2. close ended challenges, freezing final ranks;
 * 3. purge ended sessions, expired idempotency keys and old write events.
 */
export async function runScheduledJobs(services: Pick<Services, "db" | "cache" | "defer" | "logger">) {
  const { db } = services;
  const [refreshed, closed, sessions, keys, events] = await db.batch([
    db.execute<{ user_id: string; event: WriteEvent | null }>(sql`
      with due as (
        select distinct p.user_id from challenge_participants p join challenges c on c.id = p.challenge_id
        where c.closed_at is null and p.completed_at is null
          and (c.rule->>'type' = 'calorie_cap_days' or c.ends_at <= now())
      )
      select due.user_id, e.event
      from due left join lateral apply_log_write(due.user_id, gen_random_uuid()) as e(event) on true`),
    db.execute<{ id: string }>(sql`
      with ended as (
        select id from challenges where ends_at <= now() and closed_at is null for update
      ), ranked as (
        select p.challenge_id, p.user_id,
               row_number() over (partition by p.challenge_id
                 order by p.completed_at asc nulls last, p.current desc, p.joined_at asc, p.user_id asc) as final_rank
        from challenge_participants p join ended e on e.id = p.challenge_id
      ), frozen as (
        update challenge_participants p set final_rank = ranked.final_rank
        from ranked where p.challenge_id = ranked.challenge_id and p.user_id = ranked.user_id
        returning 1
      )
      update challenges c set closed_at = now(), updated_at = now()
      from ended where c.id = ended.id
      returning c.id`),
    db.execute(sql`
      delete from sessions where expires_at < now() - ${SESSION_GRACE} or revoked_at < now() - ${SESSION_GRACE}`),
    db.execute(sql`delete from idempotency_keys where expires_at <= now()`),
    db.execute(sql`delete from write_events where created_at < now() - interval '24 hours'`),
  ]);
  // What moved outside any user's request must reach the caches and boards too.
  const changed = refreshed.rows.filter((row) => row.event !== null);
  invalidateUserCaches(services, [...new Set(changed.map((row) => row.user_id))]);
  for (const { user_id: userId, event } of changed) if (event) publishProgress(services, userId, [event]);
  for (const row of closed.rows) dropLeaderboard(services, row.id);
  const report: ScheduledReport = {
    refreshedUsers: new Set(refreshed.rows.map((row) => row.user_id)).size,
    closedChallenges: closed.rows.length,
    purgedSessions: sessions.rowCount ?? 0,
    purgedIdempotencyKeys: keys.rowCount ?? 0,
    purgedWriteEvents: events.rowCount ?? 0,
  };
  services.logger.info("scheduled jobs done", report);
  return report;
}
