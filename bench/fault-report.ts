// What bench/faults.ts records while it runs, what it checks against PostgreSQL afterwards, and the
// Markdown report it prints.
import type pg from "pg";

export type Outcome = { status: number; body: unknown };
export type Write = { userId: string; title: string; key: string; acknowledged: boolean };
type FreshDay = { day: string; meals: number; calories: number };
type Sample = { phase: string; ms: number; status: number };

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const ms = (value: number) => (Number.isFinite(value) ? `${Math.round(value)} ms` : "never");

export class Recorder {
  readonly writes: Write[] = [];
  readonly signups: Array<{ email: string; acknowledged: boolean }> = [];
  readonly recovery: number[] = [];
  readonly redisRecovery: number[] = [];
  private readonly samples: Sample[] = [];
  private readonly serverErrors = new Map<string, number>();
  private readonly staleUsers = new Set<string>();
  private readonly staleExamples: string[] = [];
  private current = "setup";
  private checked = { lost: 0, duplicated: 0, partial: 0, signupsLost: 0, signupsDuplicated: 0 };
  private readonly startedAt = performance.now();

  phase(name: string): void {
    this.current = name;
  }

  request(method: string, path: string, status: number, elapsedMs: number): void {
    this.samples.push({ phase: this.current, ms: elapsedMs, status });
    if (status >= 500 && status !== 503) {
      const route = `${method} ${path.split("?")[0]} → ${status}`;
      this.serverErrors.set(route, (this.serverErrors.get(route) ?? 0) + 1);
    }
  }

  /** A user's cached reads against what PostgreSQL holds now. */
  compare(userId: string, summary: unknown, stats: unknown, fresh: FreshDay[]): void {
    const byDay = new Map(fresh.map((row) => [row.day, row]));
    const days = (summary as { days?: Array<{ date: string; meals: number; calories: number | null }> })
      ?.days;
    const problems: string[] = [];
    if (!Array.isArray(days)) problems.push("summary unreadable");
    for (const day of days ?? []) {
      const expected = byDay.get(day.date) ?? { meals: 0, calories: 0 };
      if (day.meals !== expected.meals || (day.calories ?? 0) !== expected.calories)
        problems.push(
          `summary ${day.date}: ${day.meals} meals/${day.calories} kcal, database ${expected.meals}/${expected.calories}`,
        );
    }
    const total = fresh.reduce((sum, row) => sum + row.meals, 0);
    const counted = stats as { totalLogs?: number; daysLogged?: number } | null;
    if (counted?.totalLogs !== total || counted?.daysLogged !== fresh.length)
      problems.push(
        `stats ${counted?.totalLogs} logs/${counted?.daysLogged} days, database ${total}/${fresh.length}`,
      );
    if (problems.length === 0 || this.staleUsers.has(userId)) return;
    this.staleUsers.add(userId);
    if (this.staleExamples.length < 5) this.staleExamples.push(problems[0]!);
  }

  /** Every acknowledged write exactly once, and each write whole (its log and its idempotency record). */
  async checkWrites(db: pg.Client): Promise<void> {
    const { rows: logs } = await db.query<{ title: string; n: number }>(
      "select title, count(*)::int as n from meal_logs where title = any($1) group by title",
      [this.writes.map((write) => write.title)],
    );
    const { rows: keys } = await db.query<{ key: string }>(
      "select key from idempotency_keys where key = any($1)",
      [this.writes.map((write) => write.key)],
    );
    const count = new Map(logs.map((row) => [row.title, row.n]));
    const recorded = new Set(keys.map((row) => row.key));
    for (const write of this.writes) {
      const n = count.get(write.title) ?? 0;
      if (write.acknowledged && n === 0) this.checked.lost++;
      if (n > 1) this.checked.duplicated++;
      if (n > 0 !== recorded.has(write.key)) this.checked.partial++;
    }
    const { rows: users } = await db.query<{ email: string; n: number }>(
      "select email, count(*)::int as n from users where email = any($1) group by email",
      [this.signups.map((signup) => signup.email)],
    );
    const accounts = new Map(users.map((row) => [row.email, row.n]));
    for (const signup of this.signups) {
      const n = accounts.get(signup.email) ?? 0;
      if (signup.acknowledged && n === 0) this.checked.signupsLost++;
      if (n > 1) this.checked.signupsDuplicated++;
    }
  }

  report(setup: { rounds: number; users: number; concurrency: number }): string {
    const load = this.samples.filter((sample) => sample.phase !== "setup" && sample.phase !== "checks");
    const p50 = (phase: string) =>
      percentile(
        load
          .filter((sample) => sample.phase === phase && sample.status > 0 && sample.status < 500)
          .map((s) => s.ms),
        50,
      );
    const byStatus = new Map<number, number>();
    for (const sample of load) byStatus.set(sample.status, (byStatus.get(sample.status) ?? 0) + 1);
    const acknowledged = this.writes.filter((write) => write.acknowledged).length;
    const serverErrors = [...this.serverErrors.values()].reduce((sum, n) => sum + n, 0);
    const statuses = [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, n]) => `${status === 0 ? "network error" : status}: ${n}`)
      .join(", ");
    const normal = p50("normal");
    const redisDown = p50("redis down");
    return [
      "# Fault run: PostgreSQL and Redis killed, stalled and restarted under load",
      "",
      `\`npm run bench:faults\` — ${new Date().toISOString().slice(0, 16)}Z, ${setup.rounds} rounds of: Redis SIGKILL (4 s down, restarted empty) · Redis SIGSTOP (3 s) · Upstash partitioned (the stack drops every request to it for 3 s; Redis keeps its data) · PostgreSQL postmaster SIGKILL (2 s down, restarted); ${setup.concurrency} concurrent clients, ${setup.users}+ users, private PostgreSQL 15 and Redis 7 on loopback, Worker under \`wrangler dev\` behind the local edge stack. Run time ${Math.round((performance.now() - this.startedAt) / 1000)} s.`,
      "",
      "| measure | value |",
      "| --- | --- |",
      `| requests under load | ${load.length} (${statuses}) |`,
      `| acknowledged log writes | ${acknowledged} of ${this.writes.length} attempted |`,
      `| lost (acknowledged, not in PostgreSQL) | ${this.checked.lost} |`,
      `| duplicated (one write, several rows) | ${this.checked.duplicated} |`,
      `| partial (log without its idempotency record or the reverse) | ${this.checked.partial} |`,
      `| signups acknowledged / lost / duplicated | ${this.signups.filter((s) => s.acknowledged).length} / ${this.checked.signupsLost} / ${this.checked.signupsDuplicated} |`,
      `| stale reads after the run (users whose cached summary or stats differ from PostgreSQL) | ${this.staleUsers.size} |`,
      `| non-503 5xx | ${serverErrors} |`,
      `| recovery after each PostgreSQL restart (ready → first 2xx of /health/ready) | ${this.recovery.map(ms).join(", ")} |`,
      `| stack recovery after each Redis restart / resume (back → first command served through the stack) | ${this.redisRecovery.map(ms).join(", ")} |`,
      `| p50, Redis down vs normal | ${ms(redisDown)} vs ${ms(normal)} (${(redisDown / normal).toFixed(2)}×) |`,
      `| p50, Redis stalled / Upstash partitioned / PostgreSQL down | ${ms(p50("redis stalled"))} / ${ms(p50("upstash partitioned"))} / ${ms(p50("postgres down"))} |`,
      "",
      ...(serverErrors > 0
        ? ["Non-503 5xx by route:", "", ...[...this.serverErrors].map(([route, n]) => `- ${route}: ${n}`), ""]
        : []),
      ...(this.staleExamples.length > 0
        ? ["Stale examples (first per user):", "", ...this.staleExamples.map((line) => `- ${line}`), ""]
        : []),
    ].join("\n");
  }
}
