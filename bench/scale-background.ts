// The background work of `npm run bench:scale`, at the generated size: a full leaderboard rebuild of
// the 100,000-player challenge into Redis, then the hourly job (src/services/scheduled.ts) run
// invocation after invocation until nothing is due: it closes that challenge (recompute, freeze
// ranks), recomputes the calorie caps, purges the expired sessions, keys, events and the account
// deleted just before (a heavy user). Every statement is timed by the server (scale-driver.ts).
import type pg from "pg";
import { rebuildBoard } from "../src/services/leaderboard-rebuild.ts";
import {
  JOB_LIMITS,
  runScheduledJobs,
  type ScheduledReport,
  type TaskReport,
} from "../src/services/scheduled.ts";
import { deleteMe } from "../src/services/users.ts";
import type { Services } from "../src/types.ts";
import { BENCH_PASSWORD, BIG_CHALLENGE_ID } from "./scale-data.ts";
import type { MeteredDatabase, StatementRun } from "./scale-driver.ts";
import type { Pools } from "./scale-statements.ts";

export type BackgroundResult = {
  name: string;
  items: number;
  chunks: number;
  /** The slowest single statement (server executor time). */
  longestStatementMs: number;
  /** Sum of the statements' server time. */
  totalMs: number;
  /** The start of the slowest statement's SQL. */
  longestStatement: string;
  /** Hourly job only: Cron invocations it took (each within JOB_LIMITS). */
  invocations?: number;
  wallMs: number;
};

const round = (ms: number) => Math.round(ms * 10) / 10;
/** The statements sent, without the deferred work timed at each commit (scale-driver.ts). */
const sent = (runs: StatementRun[]) => runs.filter((run) => !run.deferred).length;
const sum = (runs: StatementRun[]) => runs.reduce((total, run) => total + run.executionMs, 0);
const longest = (runs: StatementRun[]) => Math.max(0, ...runs.map((run) => run.executionMs));
const slowestSql = (runs: StatementRun[]) =>
  ([...runs].sort((a, b) => b.executionMs - a.executionMs)[0]?.sql ?? "")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 120);

/** Which task of the hourly job sent a statement (the job interleaves them), by what it touches. */
const TASK_OF: [keyof ScheduledReport, RegExp][] = [
  [
    "closing",
    new RegExp(
      `close_challenge|rank_challenge|closed_at is null and ends_at <= now\\(\\)|${BIG_CHALLENGE_ID}`,
    ),
  ],
  ["refreshedUsers", /refresh_calorie_caps|calorie_cap_days/],
  ["purgedAccounts", /deleted_at is not null/],
  ["purgedSessions", /delete from "sessions"/],
  ["purgedIdempotencyKeys", /delete from "idempotency_keys"/],
  ["purgedWriteEvents", /delete from "write_events"/],
  ["purgedLoginFailures", /delete from "login_failures"/],
];

const TASK_NAMES: Partial<Record<keyof ScheduledReport, string>> = {
  closing: "hourly: close the 100,000-player challenge (recompute, freeze ranks)",
  refreshedUsers: "hourly: recompute calorie-cap progress",
  purgedSessions: "hourly: purge expired and revoked sessions (with refresh tokens)",
  purgedIdempotencyKeys: "hourly: purge expired idempotency keys",
  purgedWriteEvents: "hourly: purge old write events",
  purgedLoginFailures: "hourly: purge stale login failures",
  purgedAccounts: "hourly: purge a deleted heavy user's data (logs, custom foods, …)",
};

export async function runBackground(
  metered: MeteredDatabase,
  services: Services,
  admin: pg.Client,
  pools: Pools,
  settle: () => Promise<void>,
  progress: (line: string) => void,
): Promise<BackgroundResult[]> {
  metered.rollback = false;
  metered.analyze = false;
  metered.take();
  const results: BackgroundResult[] = [];

  let started = performance.now();
  const loaded = await rebuildBoard(services, BIG_CHALLENGE_ID);
  await settle();
  let runs = metered.take();
  results.push({
    name: "leaderboard rebuild into Redis, 100,000 players",
    items: loaded ?? 0,
    chunks: sent(runs),
    longestStatementMs: round(longest(runs)),
    totalMs: round(sum(runs)),
    longestStatement: slowestSql(runs),
    wallMs: Math.round(performance.now() - started),
  });
  progress(`rebuild: ${loaded} players, ${sent(runs)} statements, longest ${round(longest(runs))} ms`);

  // A heavy user deletes the account (answered at once), and the big challenge ends.
  // One who owns custom foods (scale-foods.ts), so the purge removes those too.
  const deleted = pools.withPassword.find((user) => (pools.ownFoods[user.userId]?.length ?? 0) > 0);
  if (!deleted) throw new Error("no user with custom foods to delete");
  const ownedFoods = pools.ownFoods[deleted.userId]?.length ?? 0;
  await deleteMe(
    services,
    { userId: deleted.userId, sessionId: deleted.sessionId, via: "bearer" },
    BENCH_PASSWORD,
  );
  await settle();
  metered.take();
  await admin.query(`update challenges set ends_at = now() - interval '1 minute' where id = $1`, [
    BIG_CHALLENGE_ID,
  ]);

  const totals = new Map<keyof ScheduledReport, { report: TaskReport; runs: StatementRun[] }>();
  const unclassified: StatementRun[] = [];
  let invocations = 0;
  started = performance.now();
  for (;;) {
    invocations++;
    const report = await runScheduledJobs(services);
    await settle();
    runs = metered.take();
    for (const [task] of TASK_OF) {
      const taskReport = report[task] as TaskReport;
      const entry = totals.get(task) ?? {
        report: { items: 0, chunks: 0, longestChunkMs: 0, done: false },
        runs: [],
      };
      entry.report.items += taskReport.items;
      entry.report.chunks += taskReport.chunks;
      totals.set(task, entry);
    }
    for (const run of runs) {
      // The job's SQL names its task in the text or in the parameters (job names, challenge ids).
      const text = `${run.sql} ${JSON.stringify(run.params)}`;
      const task = TASK_OF.find(([, pattern]) => pattern.test(text))?.[0];
      if (task) totals.get(task)?.runs.push(run);
      else unclassified.push(run);
    }
    progress(
      `hourly job invocation ${invocations}: ${report.chunks} chunks in ${report.elapsedMs} ms${report.complete ? ", complete" : ""}`,
    );
    if (report.complete || invocations >= 20) break;
  }
  const wallMs = Math.round(performance.now() - started);
  for (const [task, { report, runs: taskRuns }] of totals) {
    results.push({
      name: TASK_NAMES[task] ?? task,
      items: report.items,
      chunks: report.chunks,
      longestStatementMs: round(longest(taskRuns)),
      totalMs: round(sum(taskRuns)),
      longestStatement: slowestSql(taskRuns),
      invocations,
      wallMs,
    });
  }
  results.push({
    name: "hourly: other statements (cursors, locks of other challenges)",
    items: 0,
    chunks: sent(unclassified),
    longestStatementMs: round(longest(unclassified)),
    totalMs: round(sum(unclassified)),
    longestStatement: slowestSql(unclassified),
    invocations,
    wallMs,
  });
  const left = await admin.query<{ logs: string; foods: string; closed: boolean; ranked: string }>(
    `select (select count(*) from meal_logs where user_id = $1)::text as logs,
            (select count(*) from foods where owner_id = $1)::text as foods,
            (select closed_at is not null from challenges where id = $2) as closed,
            (select count(*) from challenge_participants where challenge_id = $2 and final_rank is not null)::text as ranked`,
    [deleted.userId, BIG_CHALLENGE_ID],
  );
  progress(
    `after the job: deleted user's logs left ${left.rows[0]?.logs}, custom foods left ${left.rows[0]?.foods} of ${ownedFoods}, big challenge closed ${left.rows[0]?.closed}, ranks frozen ${left.rows[0]?.ranked}`,
  );
  progress(`limits per invocation: ${JSON.stringify(JOB_LIMITS)}`);
  return results;
}
