import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { backgroundServices } from "../../src/background";
import type { Bindings } from "../../src/config";
import { type JobLimits, runScheduledJobs } from "../../src/services/scheduled";
import { createChallenge, join, leaderboardOf, logToday, newPlayer, progressOf } from "../helpers/challenges";
import { DAYS, fromNow } from "../helpers/dates";
import { sql } from "../helpers/db";
import { generateDailyLogs, generateParticipants, generateUsers } from "../helpers/generate";
import { updateProfile } from "../helpers/users";
import { awayFromMidnight } from "../helpers/wait";

/**
 * The hourly job in bounded chunks (src/services/scheduled.ts), run with tiny limits so a
 * handful of rows takes many chunks and invocations. Other suites run the job concurrently over
 * the same database: every assertion is about this suite's own rows, and holds whatever the
 * other runs did in between.
 */
async function runJobs(limits: Partial<JobLimits>) {
  const ctx = createExecutionContext();
  const report = await runScheduledJobs(backgroundServices(env as unknown as Bindings, ctx, {}), limits);
  await waitOnExecutionContext(ctx);
  return report;
}

/** One chunk of each task per invocation (five tasks), seven rows per chunk. */
const ONE_TURN: Partial<JobLimits> = { maxChunks: 5, refreshUsers: 7, rankRows: 7, purgeRows: 7 };

type Participation = { user_id: string; n: number; current: number; final_rank: number | null };

/** The participations in ranking order, by a window over the whole challenge (the unchunked answer). */
const participations = async (challengeId: string) =>
  sql<Participation & { position: number }>(
    `select p.user_id, split_part(u.display_name, ' ', 2)::int as n, p.current, p.final_rank,
            row_number() over (order by p.completed_at asc nulls last, p.current desc, p.joined_at, p.user_id)::int
              as position
     from challenge_participants p join users u on u.id = p.user_id
     where p.challenge_id = $1 order by position`,
    [challengeId],
  );

const closedAt = async (challengeId: string) =>
  (
    await sql<{ closed_at: string | null }>("select closed_at from challenges where id = $1", [challengeId])
  )[0]!.closed_at;

/**
 * A log_days challenge (target 50) that has ended, with `count` generated players: every tenth one
 * completed (a millisecond apart), the others with n % 4 logged days, which only the closing's
 * recomputation brings into `current` (generated progress is stale on purpose).
 */
async function endedChallenge(count: number) {
  const creator = await newPlayer();
  const challenge = await createChallenge(creator.accessToken, {
    rule: { type: "log_days", target: 50 },
    startsAt: fromNow(-10 * DAYS),
    endsAt: fromNow(DAYS),
  });
  const ids = await generateUsers(count, "closing");
  await generateParticipants(challenge.id, ids, { completeEvery: 10, target: 50 });
  await generateDailyLogs(ids, (n) => (n % 10 === 0 ? 0 : n % 4));
  await sql("update challenges set ends_at = now() - interval '1 second' where id = $1", [challenge.id]);
  return { creator, challenge, count };
}

/** What must hold at any moment of a closing, whoever ran how many chunks of it. */
async function expectConsistent(challengeId: string, creatorToken: string) {
  const rows = await participations(challengeId);
  const ranked = rows.filter((row) => row.final_rank !== null).length;
  if ((await closedAt(challengeId)) === null) {
    expect(ranked).toBe(0);
    return { closed: false, ranked };
  }
  // Frozen top first: ranks 1..k on exactly the first k players of the ranking.
  expect(rows.map((row) => row.final_rank)).toEqual(
    rows.map((row) => (row.position <= ranked ? row.position : null)),
  );
  // Readers meanwhile see one consistent board (frozen ranks and positions agree).
  const board = await leaderboardOf(creatorToken, challengeId, 20);
  expect(board.items.map((item) => [item.rank, item.user.id])).toEqual(
    rows.slice(0, 20).map((row) => [row.position, row.user_id]),
  );
  return { closed: true, ranked };
}

describe("the hourly job in bounded, resumable chunks", () => {
  beforeEach(() => awayFromMidnight());

  it("closes a challenge over many small invocations: consistent after every one, as one big run would end", async () => {
    const { creator, challenge, count } = await endedChallenge(60);
    for (let run = 0; run < 400; run++) {
      const report = await runJobs(ONE_TURN);
      expect(report.chunks).toBeLessThanOrEqual(5);
      const state = await expectConsistent(challenge.id, creator.accessToken);
      if (state.ranked === count) break;
    }
    const rows = await participations(challenge.id);
    expect(rows.map((row) => row.final_rank)).toEqual(rows.map((row) => row.position));
    // The recomputation reached every unfinished player before the challenge was frozen.
    for (const row of rows) expect(row.current).toBe(row.n % 10 === 0 ? 50 : row.n % 4);

    // Safe to run again, and twice at once: nothing moves.
    await Promise.all([runJobs(ONE_TURN), runJobs({})]);
    expect(await participations(challenge.id)).toEqual(rows);
  });

  it("two invocations racing over one closing never give two players the same rank", async () => {
    const { creator, challenge, count } = await endedChallenge(40);
    const limits = { refreshUsers: 3, rankRows: 3 };
    for (let round = 0; round < 100; round++) {
      await Promise.all([runJobs({ ...limits, maxChunks: 10 }), runJobs({ ...limits, maxChunks: 7 })]);
      const state = await expectConsistent(challenge.id, creator.accessToken);
      if (state.ranked === count) break;
    }
    const ranks = (await participations(challenge.id)).map((row) => row.final_rank);
    expect(ranks).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  });

  it("a calorie cap round that starts past a player wraps around and still reaches them in the same invocation", async () => {
    const u = await newPlayer({ timezone: "Pacific/Pago_Pago" });
    const challenge = await createChallenge(u.accessToken, {
      rule: { type: "calorie_cap_days", target: 1, maxCalories: 1800 },
    });
    await join(u.accessToken, challenge.id);
    await logToday(u.accessToken, { calories: 700, eatenAt: fromNow(-60_000) });
    await updateProfile(u.accessToken, { timezone: "Pacific/Kiritimati" }); // the meal's day is now over
    await sql(
      `insert into job_cursors (job, challenge_id, user_id) values ('refresh_calorie_caps', $1, 'ffffffff-ffff-ffff-ffff-ffffffffffff')
       on conflict (job) do update set challenge_id = excluded.challenge_id, user_id = excluded.user_id`,
      [challenge.id],
    );
    const report = await runJobs({ refreshUsers: 50 });
    expect(report.refreshedUsers.done).toBe(true);
    expect(await progressOf(u.accessToken, challenge.id)).toMatchObject({ current: 1, completed: true });
  });

  it("purges ended sessions a chunk at a time, never a live one; an invocation out of budget does nothing", async () => {
    const [userId] = await generateUsers(1, "sessions");
    await sql(
      `insert into sessions (id, user_id, created_at, expires_at, revoked_at)
       select gen_random_uuid(), $1, now() - interval '40 days',
              case when n <= 20 then now() - interval '2 days' else now() + interval '20 days' end,
              case when n > 20 and n <= 30 then now() - interval '3 days' end
       from generate_series(1, 33) n`,
      [userId],
    );
    const mine = async () =>
      Number(
        (await sql<{ n: string }>("select count(*) as n from sessions where user_id = $1", [userId]))[0]!.n,
      );
    expect(await mine()).toBe(33);

    const idle = await runJobs({ budgetMs: 0 });
    expect(idle).toMatchObject({ chunks: 0, complete: false });
    expect(await mine()).toBe(33);

    for (let run = 0; run < 100 && (await mine()) > 3; run++) {
      const report = await runJobs(ONE_TURN);
      expect(report.purgedSessions.items).toBeLessThanOrEqual(7 * report.purgedSessions.chunks);
    }
    expect(await mine()).toBe(3); // the three live ones
  });
});
