// `npm run bench:scale [-- --smoke] [-- --reuse] [-- --samples N] [-- --only TEXT]`: the Worker's statements and
// background work at production size (README, "Performance: scale"). Needs DATABASE_URL (a PostgreSQL 15
// database it may empty and fill); REDIS_URL for the leaderboard rebuild (else an in-memory Redis).
// Progress on stderr; results in bench/results/scale.json and scale.md (scale-report.ts).
import os from "node:os";
import pg from "pg";
import { applyMigrations } from "../scripts/lib/migrate.ts";
import { LOCAL_DATABASE_URL } from "../scripts/lib/worker-vars.ts";
import { loadConfig } from "../src/config.ts";
import { createDb } from "../src/db/client.ts";
import { barcodeProblem } from "../src/lib/barcode.ts";
import { keysetPage } from "../src/lib/cursor.ts";
import { createLogger } from "../src/lib/logger.ts";
import { hashPassword } from "../src/lib/password.ts";
import { createCache } from "../src/services/cache.ts";
import { searchFoods } from "../src/services/food-search.ts";
import { currentSalt, emailKey } from "../src/services/password-check.ts";
import { createRateLimits } from "../src/services/rate-limit.ts";
import type { Services } from "../src/types.ts";
import { startStack } from "../stack/index.ts";
import { runBackground } from "./scale-background.ts";
import { BENCH_PASSWORD, BIG_CHALLENGE_ID, generateDataset, resetForReuse, SCALES } from "./scale-data.ts";
import { BENCH_NEON_ENDPOINT, meteredDatabase } from "./scale-driver.ts";
import { generatedFoods, generateScaleFoods } from "./scale-foods.ts";
import { measureStatements } from "./scale-measure.ts";
import { indexSizes, writeReport } from "./scale-report.ts";
import { LATER_PAGE_QUERIES, type Pools, type Sample } from "./scale-statements.ts";

const args = process.argv.slice(2);
const smoke = args.includes("--smoke") || process.env.BENCH_SCALE === "smoke";
const reuse = args.includes("--reuse") || args.includes("--only");
const samplesArg = args.indexOf("--samples");
const samples = samplesArg >= 0 ? Number(args[samplesArg + 1]) : smoke ? 5 : 30;
// `--only TEXT`: the per-request statements whose name contains TEXT, on the dataset there is (as
// --reuse), printed and nothing else run or written: a quick before/after of one change.
const onlyArg = args.indexOf("--only");
const only = onlyArg >= 0 ? args[onlyArg + 1] : undefined;
const progress = (line: string) => process.stderr.write(`[bench:scale] ${line}\n`);

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl || databaseUrl === LOCAL_DATABASE_URL) {
  process.stderr.write(
    "bench:scale needs DATABASE_URL: a PostgreSQL 15 database it may EMPTY and fill with millions of rows\n" +
      "(the embedded default of `npm run dev` cannot hold them). For example:\n" +
      "  createdb sikdan_scale && DATABASE_URL=postgres://postgres@127.0.0.1:5432/sikdan_scale npm run bench:scale\n",
  );
  process.exit(2);
}

const scale = SCALES[smoke ? "smoke" : "full"];
await applyMigrations(databaseUrl);
const admin = new pg.Client({ connectionString: databaseUrl });
await admin.connect();

// The Worker's configuration, with its Neon endpoint answered in-process (scale-driver.ts).
const bindings = {
  DATABASE_URL: databaseUrl,
  NEON_FETCH_ENDPOINT: BENCH_NEON_ENDPOINT,
  JWT_SECRET: "bench-scale-secret-bench-scale-secret-0123456789",
  RATE_LIMIT_PER_IP: "off",
  RATE_LIMIT_WRITES_PER_USER: "1000000",
  DB_TIMEOUT_MS: "600000",
  CACHE_TIMEOUT_MS: "30000",
  LOG_LEVEL: "warn",
};
const config = loadConfig(bindings);

let generatedSeconds = 0;
const existing = await admin
  .query<{ n: string }>("select count(*)::text as n from bench_user_tiers")
  .then((result) => Number(result.rows[0]?.n ?? 0))
  .catch(() => 0);
// How long the dataset took to generate is kept with it, so a `--reuse` run still reports it.
await admin.query("create table if not exists bench_meta (key text primary key, value text not null)");
const reused = reuse && existing === scale.users;
if (reused) {
  progress(`reusing the generated dataset (${existing} users)`);
  await resetForReuse(admin, scale, progress, { sessions: !only });
  const kept = await admin.query<{ value: string }>(
    "select value from bench_meta where key = 'generated_seconds'",
  );
  generatedSeconds = Number(kept.rows[0]?.value ?? 0);
} else {
  progress(`generating the dataset (${scale.users} users) in PostgreSQL…`);
  generatedSeconds = await generateDataset(admin, scale, "pbkdf2-sha256$100000$AA==$AA==", progress);
  await admin.query(
    `insert into bench_meta values ('generated_seconds', $1) on conflict (key) do update set value = excluded.value`,
    [String(Math.round(generatedSeconds))],
  );
}

// Foods (issue 17) are generated after the users, also into a reused dataset made before them.
if (!reused || (await generatedFoods(admin)) !== scale.foods)
  await generateScaleFoods(admin, scale, progress);
const foodsGeneratedSeconds = Number(
  (await admin.query<{ value: string }>("select value from bench_meta where key = 'foods_generated_seconds'"))
    .rows[0]?.value ?? 0,
);

const pending: Promise<unknown>[] = [];
function servicesWith(configuration: typeof config): Services {
  const logger = createLogger({ level: "warn" });
  const defer = (work: Promise<unknown>) => {
    pending.push(work.catch((err) => logger.warn("background work failed", { err })));
  };
  const cache = createCache(configuration, logger, defer);
  return {
    config: configuration,
    db: createDb(configuration),
    cache,
    logger,
    rateLimits: createRateLimits(cache, configuration),
    photos: { bucket: undefined, origin: "https://api.sikdan.test" },
    defer,
  };
}
const settle = async () => {
  while (pending.length > 0) await Promise.all(pending.splice(0));
};

// What autovacuum does on Neon between a load and the traffic after it: the visibility map that lets
// index-only scans (the food word postings, the ranking) skip the heap, and fresh statistics. Some
// machines run PostgreSQL with autovacuum off (this one does), and a previous run's background work
// and restoration leave dead rows behind; about 12 s at full size.
progress("vacuum analyze (as autovacuum would have)…");
await admin.query("vacuum (analyze)");
const pools = await samplePools(admin, config.passwordSaltSecret);
const metered = await meteredDatabase(databaseUrl);
pools.searchCursors = await laterPageCursors(servicesWith(config), pools);
metered.take();
// Per-request statements: no Redis (every read reaches the database: the cold path).
const statements = await measureStatements(
  metered,
  servicesWith(config),
  pools,
  samples,
  settle,
  progress,
  only,
);
if (only) {
  await metered.close();
  await admin.end();
  process.exit(0);
}

// Background work: with Redis for the board rebuild (the local stack's Upstash endpoint).
const stack = await startStack({
  redisUrl: process.env.REDIS_URL || undefined,
  databaseUrl,
  pgliteDataDir: "memory://",
  delayMs: 0,
  log: () => {},
});
const withRedis = servicesWith(
  loadConfig({
    ...bindings,
    UPSTASH_REDIS_REST_URL: stack.upstashUrl,
    UPSTASH_REDIS_REST_TOKEN: stack.upstashToken,
  }),
);
const background = await runBackground(metered, withRedis, admin, pools, settle, progress);
await stack.stop();

const counts = await admin.query<Record<string, string>>(`
  select (select count(*) from users)::text as users, (select count(*) from meal_logs)::text as logs,
         (select count(*) from challenges)::text as challenges,
         (select count(*) from foods)::text as foods,
         (select count(*) from foods where source = 'custom')::text as custom_foods,
         (select count(*) from meal_logs where items <> '[]'::jsonb)::text as logs_with_items,
         (select count(*) from challenge_participants)::text as challenge_participants,
         (select count(*) from challenge_participants where challenge_id = '${BIG_CHALLENGE_ID}')::text as big`);
const row = counts.rows[0] ?? {};
const result = {
  machine: {
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    postgres: (await admin.query<{ v: string }>("select version() as v")).rows[0]?.v ?? "",
    settings: (
      await admin.query<{ name: string; setting: string; unit: string | null }>(
        `select name, setting, unit from pg_settings where name in ('shared_buffers', 'work_mem', 'effective_cache_size', 'random_page_cost')`,
      )
    ).rows.map((s) => `${s.name}=${s.setting}${s.unit ?? ""}`),
    loadAverage: os.loadavg().map((value) => value.toFixed(1)),
  },
  smoke,
  dataset: {
    users: Number(row.users),
    logs: Number(row.logs),
    challenges: Number(row.challenges),
    challengeParticipants: Number(row.challenge_participants),
    bigChallengeParticipants: Number(row.big),
    foods: Number(row.foods),
    customFoods: Number(row.custom_foods),
    logsWithItems: Number(row.logs_with_items),
    foodsGeneratedSeconds,
    generatedSeconds: Math.round(generatedSeconds),
    /** True when this run measured a dataset generated by an earlier run (`--reuse`). */
    reusedDataset: reused,
  },
  statements,
  background,
  indexes: await indexSizes(admin),
};
const written = writeReport(result, smoke);
await metered.close();
await admin.end();
progress(`done: ${written}.json, ${written}.md`);
const failed = statements.filter((s) => s.seqScans.length > 0);
if (failed.length > 0 && !smoke) {
  progress(`sequential scans on a per-request path: ${failed.map((s) => s.name).join(", ")}`);
  process.exitCode = 1;
}

/** The users the statements draw from (and their password hashes made current, for login and deletion). */
async function samplePools(client: pg.Client, saltSecret: string): Promise<Pools> {
  const users = async (where: string, limit: number) =>
    (
      await client.query<Sample>(
        `select t.id::text as "userId", bench_uuid('session' || t.n)::text as "sessionId", u.email
         from bench_user_tiers t join users u on u.id = t.id where ${where} order by t.n limit ${limit}`,
      )
    ).rows;
  const heavy = await users(`t.tier = 'heavy'`, 60);
  const threeYear = await users(`t.tier = 'three_year'`, 60);
  const fiveOpen = await users(
    `t.tier in ('heavy', 'three_year') and (select count(*) from challenge_participants p join challenges c on c.id = p.challenge_id
       where p.user_id = t.id and c.closed_at is null) = 5`,
    60,
  );
  const bigPlayers = (
    await client.query<Sample>(
      `select p.user_id::text as "userId", bench_uuid('session' || t.n)::text as "sessionId", u.email
       from challenge_participants p join bench_user_tiers t on t.id = p.user_id join users u on u.id = p.user_id
       where p.challenge_id = '${BIG_CHALLENGE_ID}' order by md5(p.user_id::text) limit 60`,
    )
  ).rows;
  const heavyLogs = [];
  for (const sample of heavy.slice(0, 40)) {
    const { rows } = await client.query<{ id: string; at: Date }>(
      `select id::text, eaten_at as at from meal_logs where user_id = $1 order by eaten_at desc, id desc offset 120 limit 1`,
      [sample.userId],
    );
    const log = rows[0];
    if (log)
      heavyLogs.push({
        userId: sample.userId,
        logId: log.id,
        // The cursor the log list answers after this log (the page ending with it).
        pageCursor:
          keysetPage([log, log], 1, () => ({ at: log.at.toISOString(), id: log.id })).nextCursor ?? "",
      });
  }
  const withPassword = heavy.slice(Math.ceil(heavy.length / 3));
  for (const sample of withPassword) {
    const hash = await hashPassword(
      BENCH_PASSWORD,
      await currentSalt({ config: { passwordSaltSecret: saltSecret } } as Services, emailKey(sample.email)),
    );
    await client.query("update users set password_hash = $1 where id = $2", [hash, sample.userId]);
  }
  const foods = await foodPools(client, [...heavy, ...fiveOpen]);
  progress(
    `pools: ${heavy.length} heavy, ${threeYear.length} three-year, ${fiveOpen.length} in 5 open challenges, ${bigPlayers.length} big-challenge players`,
  );
  return { heavy, threeYear, fiveOpen, bigPlayers, heavyLogs, withPassword, ...foods, searchCursors: [] };
}

/** Foods the statements use: each sampled user's own custom foods, shared products, stored barcodes. */
async function foodPools(client: pg.Client, users: Sample[]) {
  const own = await client.query<{ owner: string; id: string }>(
    `select owner_id::text as owner, id::text from foods where owner_id = any($1::uuid[]) order by owner_id, id`,
    [users.map((user) => user.userId)],
  );
  const ownFoods: Record<string, string[]> = {};
  for (const row of own.rows) ownFoods[row.owner] = [...(ownFoods[row.owner] ?? []), row.id];
  const shared = await client.query<{ id: string; barcode: string }>(
    `select id::text, barcode from foods tablesample system (2) repeatable (17)
     where source = 'openfoodfacts' limit 2000`,
  );
  return {
    ownFoods,
    sharedFoods: shared.rows.slice(0, 200).map((row) => row.id),
    // Stored products whose code is a valid EAN-13 (the API refuses the others before any lookup).
    barcodes: shared.rows
      .map((row) => row.barcode)
      .filter((code) => barcodeProblem(code) === undefined)
      .slice(0, 60),
  };
}

/** Where page 5 of common words starts: the real search walked page by page (not measured). */
async function laterPageCursors(services: Services, pools: Pools): Promise<Pools["searchCursors"]> {
  const cursors: Pools["searchCursors"] = [];
  for (const [index, q] of LATER_PAGE_QUERIES.entries()) {
    const sample = pools.heavy[index % pools.heavy.length];
    if (!sample) break;
    const auth = { userId: sample.userId, sessionId: sample.sessionId, via: "bearer" as const };
    let cursor: string | undefined;
    for (let page = 1; page < 5; page++) {
      const { nextCursor } = await searchFoods(services, auth, { q, limit: 20, cursor });
      if (!nextCursor) break;
      cursor = nextCursor;
    }
    if (cursor) cursors.push({ q, cursor });
  }
  return cursors;
}
