// `npm run bench:faults`: bounded load against the Worker as `npm run dev` serves it (local edge
// stack + wrangler dev) on a PRIVATE PostgreSQL 15 and Redis of its own (ports 5441 and 6391 by
// default, loopback only), while it kills and restarts Redis, stalls it (SIGSTOP), cuts the Worker
// off from it (the stack's Upstash endpoint drops every request for 3 s) and crashes PostgreSQL
// (SIGKILL to the postmaster) and restarts it — three rounds. Then it checks what the API
// acknowledged against PostgreSQL and prints a Markdown report (also written to bench/results/faults.md
// with --write). Needs nothing but this machine; stops by itself in a few minutes.
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { startLocalWorker } from "../scripts/lib/local-worker.ts";
import { type Outcome, Recorder, type Write } from "./fault-report.ts";
import { PrivatePostgres, PrivateRedis } from "./fault-services.ts";

const PG_PORT = Number(process.env.FAULTS_PG_PORT ?? 5441);
const REDIS_PORT = Number(process.env.FAULTS_REDIS_PORT ?? 6391);
const WORKER_PORT = Number(process.env.FAULTS_WORKER_PORT ?? 8797);
const USERS = 24;
const CONCURRENCY = 8;
const ROUNDS = 3;
const TIME_ZONE = "Asia/Seoul";
const PASSWORD = "fault harness password";

const postgres = new PrivatePostgres(PG_PORT);
const redis = new PrivateRedis(REDIS_PORT);
const recorder = new Recorder();
const log = (line: string) => process.stderr.write(`[faults] ${line}\n`);

type User = { email: string; token: string; id: string };

function dayInZone(offsetDays: number): string {
  const date = new Date(Date.now() - offsetDays * 86_400_000);
  return new Intl.DateTimeFormat("en-CA", { timeZone: TIME_ZONE }).format(date);
}

async function main() {
  log(`private PostgreSQL on :${PG_PORT}, Redis on :${REDIS_PORT}`);
  await postgres.init();
  await redis.start();
  const worker = await startLocalWorker({
    port: WORKER_PORT,
    output: "ignore",
    vars: { RATE_LIMIT_PER_IP: "off", LOG_LEVEL: "error" },
    stack: { databaseUrl: postgres.url, redisUrl: redis.url, pgliteDataDir: "memory://", log: () => {} },
  });
  const base = worker.url;
  try {
    const call = async (
      method: string,
      path: string,
      init: { token?: string; body?: unknown; key?: string } = {},
    ) => {
      const headers: Record<string, string> = {};
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      if (init.body !== undefined) headers["content-type"] = "application/json";
      if (init.key) headers["idempotency-key"] = init.key;
      const started = performance.now();
      let outcome: Outcome;
      try {
        const response = await fetch(`${base}${path}`, {
          method,
          headers,
          body: init.body === undefined ? null : JSON.stringify(init.body),
          signal: AbortSignal.timeout(15_000),
        });
        outcome = { status: response.status, body: await response.json().catch(() => null) };
      } catch (error) {
        outcome = { status: 0, body: String(error) };
      }
      recorder.request(method, path, outcome.status, performance.now() - started);
      return outcome;
    };

    const users: User[] = [];
    const signUp = async (): Promise<User | undefined> => {
      const email = `faults-${randomUUID()}@example.test`;
      for (let attempt = 0; attempt < 3; attempt++) {
        const body = { email, password: PASSWORD, displayName: "Fault", timezone: TIME_ZONE };
        const answer = await call("POST", "/v1/auth/signup", { body });
        if (answer.status === 201) {
          const { accessToken, user } = answer.body as { accessToken: string; user: { id: string } };
          recorder.signups.push({ email, acknowledged: true });
          return { email, token: accessToken, id: user.id };
        }
        if (answer.status === 409) break; // an earlier attempt committed without being acknowledged
        await sleep(300);
      }
      recorder.signups.push({ email, acknowledged: false });
      return undefined;
    };
    while (users.length < USERS) {
      const user = await signUp();
      if (user) users.push(user);
    }

    let writeNumber = 0;
    const writeLog = async (user: User) => {
      const n = writeNumber++;
      const write: Write = {
        userId: user.id,
        title: `fault write ${n}`,
        key: randomUUID(),
        acknowledged: false,
      };
      recorder.writes.push(write);
      const body = {
        mealType: (["breakfast", "lunch", "dinner", "snack"] as const)[n % 4],
        eatenAt: new Date(Date.now() - (n % 40) * 3_600_000).toISOString(),
        title: write.title,
        calories: 100 + (n % 700),
      };
      // A client retries a failed write with the same Idempotency-Key, as API.md asks.
      for (let attempt = 0; attempt < 3 && !write.acknowledged; attempt++) {
        const answer = await call("POST", "/v1/logs", { token: user.token, body, key: write.key });
        if (answer.status === 201 || answer.status === 200) write.acknowledged = true;
        else await sleep(300);
      }
    };
    const range = `from=${dayInZone(3)}&to=${dayInZone(0)}`;
    const read = (user: User) =>
      Math.random() < 0.5
        ? call("GET", `/v1/logs/summary?${range}`, { token: user.token })
        : call("GET", "/v1/users/me/stats", { token: user.token });

    let running = true;
    const load = async () => {
      while (running) {
        const user = users[Math.floor(Math.random() * users.length)]!;
        const dice = Math.random();
        if (dice < 0.45) await writeLog(user);
        else if (dice < 0.97) await read(user);
        else {
          const added = await signUp();
          if (added) users.push(added);
        }
      }
    };
    const loaders = Array.from({ length: CONCURRENCY }, load);

    const phase = async (name: string, ms: number) => {
      recorder.phase(name);
      await sleep(ms);
    };
    await phase("normal", 8_000);
    for (let round = 1; round <= ROUNDS; round++) {
      log(`round ${round}: Redis killed`);
      await redis.kill();
      await phase("redis down", 4_000);
      await redis.start();
      recorder.redisRecovery.push(await redisThroughStack(worker.stack, performance.now()));
      await phase("normal", 4_000);

      log(`round ${round}: Redis stalled`);
      redis.pause();
      await phase("redis stalled", 3_000);
      redis.resume();
      recorder.redisRecovery.push(await redisThroughStack(worker.stack, performance.now()));
      await phase("normal", 4_000);

      // Upstash unreachable while Redis keeps its data: requests to it are lost, not delayed (unlike
      // SIGSTOP, after which Redis still runs every command already sent).
      log(`round ${round}: Upstash partitioned`);
      await setUpstashFault(worker.stack.upstashControlUrl, "hang");
      await phase("upstash partitioned", 3_000);
      await setUpstashFault(worker.stack.upstashControlUrl, "none");
      await phase("normal", 4_000);

      log(`round ${round}: PostgreSQL crashed`);
      postgres.crash();
      await phase("postgres down", 2_000);
      await postgres.start();
      const readyAt = await postgres.waitReady();
      recorder.phase("normal");
      recorder.recovery.push(await firstSuccessAfter(base, readyAt));
      await sleep(4_000);
    }
    running = false;
    await Promise.all(loaders);
    recorder.phase("checks");
    await sleep(1_500); // deferred work (waitUntil) finishes

    const db = new pg.Client({ connectionString: postgres.url });
    await db.connect();
    const fresh = async (user: User) => {
      const { rows } = await db.query<{ day: string; meals: number; calories: number }>(
        `select local_date::text as day, count(*)::int as meals, coalesce(sum(calories), 0)::int as calories
           from meal_logs where user_id = $1 group by local_date`,
        [user.id],
      );
      return rows;
    };
    // Twice: the first pass may fill the cache, the second reads what it kept.
    for (let pass = 0; pass < 2; pass++) {
      for (const user of users) {
        const summary = await call("GET", `/v1/logs/summary?${range}`, { token: user.token });
        const stats = await call("GET", "/v1/users/me/stats", { token: user.token });
        recorder.compare(user.id, summary.body, stats.body, await fresh(user));
      }
    }
    await recorder.checkWrites(db);
    await db.end();
  } finally {
    await worker.stop();
  }
  return recorder.report({ rounds: ROUNDS, users: USERS, concurrency: CONCURRENCY });
}

/** From Redis back (restarted or resumed) to the first command the stack's Upstash endpoint serves. */
async function redisThroughStack(stack: { upstashUrl: string; upstashToken: string }, backAt: number) {
  for (;;) {
    try {
      const response = await fetch(stack.upstashUrl, {
        method: "POST",
        headers: { authorization: `Bearer ${stack.upstashToken}` },
        body: JSON.stringify(["PING"]),
        signal: AbortSignal.timeout(2_000),
      });
      if (((await response.json()) as { result?: string }).result === "PONG")
        return performance.now() - backAt;
    } catch {}
    if (performance.now() - backAt > 30_000) return Number.POSITIVE_INFINITY;
    await sleep(10);
  }
}

async function setUpstashFault(controlUrl: string, fault: "hang" | "none"): Promise<void> {
  const response = await fetch(`${controlUrl}/config`, { method: "POST", body: JSON.stringify({ fault }) });
  if (!response.ok) throw new Error(`could not set the Upstash fault: ${response.status}`);
}

/** From PostgreSQL ready to the first 2xx of a request that needs it (GET /health/ready probes it). */
async function firstSuccessAfter(base: string, readyAt: number): Promise<number> {
  for (;;) {
    try {
      const response = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(5_000) });
      await response.body?.cancel();
      if (response.ok) return performance.now() - readyAt;
    } catch {}
    if (performance.now() - readyAt > 60_000) return Number.POSITIVE_INFINITY;
    await sleep(25);
  }
}

const stopServices = async () => {
  await redis.stop().catch(() => {});
  postgres.stop();
};
const deadline = setTimeout(() => {
  log("over the 10-minute bound: stopping");
  void stopServices().then(() => process.exit(2));
}, 600_000);
try {
  const report = await main();
  process.stdout.write(`${report}\n`);
  if (process.argv.includes("--write")) {
    mkdirSync("bench/results", { recursive: true });
    writeFileSync("bench/results/faults.md", `${report}\n`);
  }
} finally {
  clearTimeout(deadline);
  await stopServices();
}
