import { and, eq, sql } from "drizzle-orm";
import { challengeParticipants, challenges } from "../db/challenge-tables";
import { guarded, guardedRead } from "../db/session-guard";
import { ApiError } from "../lib/errors";
import { assertUuid, uuidv7 } from "../lib/ids";
import type { Progress, WriteEvent } from "../routes/challenges/challenges.schemas";
import type { AuthContext, Services } from "../types";
import { challengeNotFound as notFound } from "./challenges";
import { publishProgress, readLeaderboard, removeFromLeaderboards, updateLeaderboards } from "./leaderboard";
import { myRankQuery, topQuery } from "./ranking";
import { guardedWrite } from "./writes";

/** Taking part in a challenge: join, leave, the caller's progress and the leaderboard. */

type JoinRow = { found: boolean; open: boolean; joined: boolean; display_name: string };
type ProgressRow = { current: number; target: number; completed_at: string | null; joined_at: string };

const toProgress = (row: Pick<ProgressRow, "current" | "target" | "completed_at">): Progress => ({
  current: row.current,
  target: row.target,
  completed: row.completed_at !== null,
  completedAt: row.completed_at,
});

/**
 * Joins in one atomic round trip: the participant's window in their local days (with durationDays,
 * from the day they join), their progress so far (in a fixed window, earlier logs count), and any
 * completion or badge that brings. Ten parallel joins make one participant: the primary key decides.
 */
export async function joinChallenge(services: Services, auth: AuthContext, id: string): Promise<Progress> {
  const { db } = services;
  assertUuid(id, notFound);
  const [joinResult, applied, progressResult] = await guardedWrite(services, auth, [
    db.execute<JoinRow>(sql`
      with c as (
        select id, starts_at, ends_at, duration_days from challenges where id = ${id}
      ), me as (
        select timezone, day_start_hour, display_name from users where id = ${auth.userId}
      ), open as (
        select c.*, me.* from c, me where c.ends_at is null or c.ends_at > now()
      ), inserted as (
        insert into challenge_participants (challenge_id, user_id, window_start, window_end)
        select open.id, ${auth.userId}, w.window_start, w.window_end
        from open cross join lateral participant_window(
          open.starts_at, open.ends_at, open.duration_days, open.timezone, open.day_start_hour, now()) w
        on conflict do nothing
        returning challenge_id
      )
      select exists (select 1 from c) as found, exists (select 1 from open) as open,
             exists (select 1 from inserted) as joined, (select display_name from me) as display_name`),
    db.execute<{ event: WriteEvent }>(sql`select apply_log_write(${auth.userId}, ${uuidv7()}) as event`),
    db.execute<ProgressRow>(sql`
      select p.current, (c.rule->>'target')::int as target, iso_utc(p.completed_at) as completed_at,
             iso_utc(p.joined_at) as joined_at
      from challenge_participants p join challenges c on c.id = p.challenge_id
      where p.challenge_id = ${id} and p.user_id = ${auth.userId}`),
  ]);
  const outcome = joinResult.rows[0];
  if (!outcome?.found) throw notFound();
  if (!outcome.open) throw new ApiError("CONFLICT", { detail: "This challenge has ended." });
  if (!outcome.joined) throw new ApiError("CONFLICT", { detail: "You have already joined this challenge." });
  const progress = progressResult.rows[0]!;
  const events = applied.rows.map((row) => row.event);
  publishProgress(
    services,
    auth.userId,
    events.filter((event) => !(event.type === "challenge_progress" && event.challengeId === id)),
  );
  updateLeaderboards(services, [
    {
      challengeId: id,
      userId: auth.userId,
      displayName: outcome.display_name,
      current: progress.current,
      completedAt: progress.completed_at,
      joinedAt: progress.joined_at,
    },
  ]);
  return toProgress(progress);
}

export async function leaveChallenge(services: Services, auth: AuthContext, id: string) {
  const { db } = services;
  assertUuid(id, notFound);
  const [left] = await guardedWrite(services, auth, [
    db
      .delete(challengeParticipants)
      .where(and(eq(challengeParticipants.challengeId, id), eq(challengeParticipants.userId, auth.userId)))
      .returning({ id: challengeParticipants.challengeId }),
  ]);
  if (left.length === 0) throw new ApiError("NOT_FOUND", { detail: "You have not joined this challenge." });
  removeFromLeaderboards(services, auth.userId, [id]);
}

/**
 * The caller's progress, evaluated now (a calorie cap counts a day once it has finished); once the
 * challenge is closed, the final value it was ranked with.
 */
export async function getProgress(services: Services, auth: AuthContext, id: string): Promise<Progress> {
  const { db } = services;
  assertUuid(id, notFound);
  const result = await guardedRead(
    db,
    auth.sessionId,
    db.execute<ProgressRow>(sql`
      select case when c.closed_at is not null then p.current  -- closed: final, as ranked
                  else greatest(p.current, challenge_progress(c.rule, p.user_id, p.window_start, p.window_end,
                                local_day(now(), u.timezone, u.day_start_hour))) end as current,
             (c.rule->>'target')::int as target, iso_utc(p.completed_at) as completed_at,
             iso_utc(p.joined_at) as joined_at
      from challenge_participants p
      join challenges c on c.id = p.challenge_id
      join users u on u.id = p.user_id
      where p.challenge_id = ${id} and p.user_id = ${auth.userId}`),
  );
  const row = result.rows[0];
  if (!row)
    throw new ApiError("NOT_FOUND", { detail: "You have not joined this challenge (or it does not exist)." });
  return toProgress(row);
}

/**
 * Warm: one Redis round trip (the board, the caller's rank and the session's revocation mark).
 * Cold, ended or Redis down: one database round trip for the challenge, its top and the caller's
 * rank (index range scans, ranking.ts), whatever the number of players.
 */
export async function getLeaderboard(services: Services, auth: AuthContext, id: string, limit: number) {
  const { db } = services;
  assertUuid(id, notFound);
  return readLeaderboard(services, auth, id, limit, async () => {
    const [[challenge], top, mine] = await guarded(db, auth.sessionId, [
      db
        // Ended: the Cron is about to freeze it; a board rebuilt now would outlive the closing.
        .select({ closed: sql<boolean>`${challenges.closedAt} is not null or ${challenges.endsAt} <= now()` })
        .from(challenges)
        .where(eq(challenges.id, id)),
      topQuery(db, id, limit),
      myRankQuery(db, id, auth.userId),
    ]);
    if (!challenge) throw notFound();
    return { closed: challenge.closed, top: top.rows, mine: mine.rows[0] };
  });
}
