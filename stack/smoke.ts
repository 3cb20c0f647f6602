// End-to-end proof of the local edge stack with the production drivers, from
// Node: `npx tsx stack/smoke.ts [real|embedded]` (default: both).
//   real:     PostgreSQL at SMOKE_DATABASE_URL (default: scratch db
//             "stack_smoke" on 127.0.0.1:5432, created if missing) and Redis
//             at SMOKE_REDIS_URL (default redis://127.0.0.1:6379/14)
//   embedded: PGlite memory:// + ioredis-mock
// Exits non-zero when any check fails.

import { setTimeout as sleep } from "node:timers/promises";
import { isDeepStrictEqual } from "node:util";
import { NeonDbError, neon, neonConfig, Pool } from "@neondatabase/serverless";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { count, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/neon-http";
import { integer, pgTable, serial, text } from "drizzle-orm/pg-core";
import pg from "pg";
import ws from "ws";
import { type Stack, type StackOptions, startStack } from "./index.ts";

let failures = 0;
function check(label: string, ok: boolean, detail?: unknown): void {
  if (!ok) failures++;
  const suffix =
    ok || detail === undefined
      ? ""
      : ` — got ${typeof detail === "string" ? detail : JSON.stringify(detail)}`;
  console.log(`  ${ok ? "ok  " : "FAIL"} ${label}${suffix}`);
}
async function expectError(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error;
  }
}
async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await work();
  return [value, performance.now() - start];
}
async function control(
  url: string,
  path: "stats" | "reset" | "config",
  body?: unknown,
): Promise<Record<string, unknown>> {
  const init = path === "stats" ? {} : { method: "POST", body: JSON.stringify(body ?? {}) };
  const res = await fetch(`${url}/${path}`, init);
  return (await res.json()) as Record<string, unknown>;
}

const meals = pgTable("smoke_meals", {
  id: serial("id").primaryKey(),
  name: text("name").notNull().unique(),
  kcal: integer("kcal").notNull(),
});

async function checkNeonHttp(database: string): Promise<void> {
  console.log(" neon() over HTTP");
  // Any host in the connection string: the stack ignores it.
  const sql = neon(`postgres://app:secret@ep-example.neon.tech/${database}`);
  const [tz] = await sql`select current_setting('TimeZone') as tz`;
  check("session runs in UTC", tz?.tz === "UTC", tz);

  const created = new Date("2024-03-01T12:34:56.789Z");
  const meta = { kcal: 512, tags: ["아침"], nested: { ok: true } };
  const [row] = await sql`
    insert into smoke_items (name, price, tags, meta, created, big, ok, note)
    values ('비빔밥', ${"12.30"}, ${["a", "b,c", "식단", 'q"t']}, ${meta}, ${created}, ${"9007199254740993"}, ${true}, ${null})
    returning *`;
  check("uuid", typeof row?.id === "string" && /^[0-9a-f-]{36}$/.test(row.id as string), row?.id);
  check("text (UTF-8)", row?.name === "비빔밥", row?.name);
  check("numeric stays exact text", row?.price === "12.30", row?.price);
  check("text[]", isDeepStrictEqual(row?.tags, ["a", "b,c", "식단", 'q"t']), row?.tags);
  check("jsonb", isDeepStrictEqual(row?.meta, meta), row?.meta);
  // A Date unless drizzle-orm/neon-http has already swapped the driver's
  // global timestamp parsers for identity ones (it does, on first use).
  check(
    `timestamptz (${row?.created instanceof Date ? "Date" : "string"})`,
    new Date(row?.created as string | Date).getTime() === created.getTime(),
    row?.created,
  );
  check("bigint as string", row?.big === "9007199254740993", row?.big);
  check("boolean", row?.ok === true, row?.ok);
  check("NULL", row?.note === null, row?.note);
  const [tsText] = await sql`select created::text as t from smoke_items where name = '비빔밥'`;
  check("timestamptz text form is UTC", tsText?.t === "2024-03-01 12:34:56.789+00", tsText);

  const full = await sql.query("update smoke_items set ok = false where ok", [], { fullResults: true });
  check("fullResults: command + rowCount", full.command === "UPDATE" && full.rowCount === 1, full);
  const arrays = await sql.query("select 1::int as a, 'x' as b", [], { arrayMode: true });
  check("arrayMode", isDeepStrictEqual(arrays, [[1, "x"]]), arrays);

  const duplicate = await expectError(sql`insert into smoke_items (name) values ('비빔밥')`);
  check(
    "unique violation → NeonDbError 23505 + constraint",
    duplicate instanceof NeonDbError &&
      duplicate.code === "23505" &&
      duplicate.constraint === "smoke_items_name_key",
    duplicate instanceof NeonDbError
      ? { code: duplicate.code, constraint: duplicate.constraint }
      : String(duplicate),
  );
  const syntax = await expectError(sql.query("selec 1"));
  check(
    "syntax error → 42601 with position",
    syntax instanceof NeonDbError && syntax.code === "42601" && syntax.position === "1",
    syntax instanceof NeonDbError ? { code: syntax.code, position: syntax.position } : String(syntax),
  );
  const twoStatements = await expectError(sql.query("select 1; select 2"));
  check(
    "one statement per query (like Neon)",
    twoStatements instanceof NeonDbError && twoStatements.code === "42601",
    String(twoStatements),
  );

  const failedTx = await expectError(
    sql.transaction((tx) => [
      tx`insert into smoke_items (name) values ('tx-1')`,
      tx`insert into smoke_items (name) values ('tx-2')`,
      tx`insert into smoke_items (name) values ('비빔밥')`,
    ]),
  );
  const [left] = await sql`select count(*)::int as n from smoke_items where name like 'tx-%'`;
  check(
    "failing transaction() leaves nothing written",
    failedTx instanceof NeonDbError && left?.n === 0,
    left,
  );
  const readOnly = await expectError(
    sql.transaction([sql`insert into smoke_items (name) values ('ro')`], {
      readOnly: true,
      isolationLevel: "Serializable",
    }),
  );
  check(
    "Neon-Batch-Read-Only honoured",
    readOnly instanceof NeonDbError && readOnly.code === "25006",
    String(readOnly),
  );

  const db = drizzle({ client: sql });
  const [inserted, , listed] = await db.batch([
    db.insert(meals).values({ name: "김밥", kcal: 480 }).returning(),
    db.insert(meals).values({ name: "라면", kcal: 500 }),
    db.select().from(meals).orderBy(meals.id),
  ]);
  check("drizzle batch returning", inserted[0]?.name === "김밥", inserted);
  check("drizzle batch select sees earlier statements", listed.length === 2, listed);
  const badBatch = await expectError(
    db.batch([
      db.insert(meals).values({ name: "떡볶이", kcal: 300 }),
      db.update(meals).set({ kcal: 1 }).where(eq(meals.name, "김밥")),
      db.insert(meals).values({ name: "라면", kcal: 1 }),
    ]),
  );
  const [after] = await db.select({ n: count() }).from(meals);
  const [kimbap] = await db.select().from(meals).where(eq(meals.name, "김밥"));
  check(
    "failing drizzle batch (3rd statement) leaves nothing written",
    badBatch !== undefined && after?.n === 2 && kimbap?.kcal === 480,
    { after, kimbap, error: String(badBatch) },
  );
}

async function checkNeonWs(connectionString: string): Promise<void> {
  console.log(" Pool/Client over WebSocket");
  const pool = new Pool({ connectionString });
  const client = await pool.connect();
  await client.query("begin");
  await client.query("insert into smoke_items (name) values ($1)", ["ws-rolled-back"]);
  const inside = await client.query(
    "select count(*)::int as n from smoke_items where name = 'ws-rolled-back'",
  );
  await client.query("rollback");
  await client.query("begin");
  const { rows } = await client.query<{ created: Date; tags: string[] }>(
    "insert into smoke_items (name, created, tags) values ($1, $2, $3) returning created, tags",
    ["ws-committed", new Date("2030-01-02T03:04:05Z"), ["x", "식단"]],
  );
  await client.query("commit");
  client.release();
  check("interactive transaction sees its own write", inside.rows[0]?.n === 1, inside.rows);
  const wsRow = rows[0];
  check(
    "types over ws (timestamptz, text[])",
    // drizzle-orm/neon-http (used above) globally swaps the timestamp parsers
    // of @neondatabase/serverless for identity ones, so this may be a string.
    new Date(wsRow?.created ?? 0).toISOString() === "2030-01-02T03:04:05.000Z" && wsRow?.tags[1] === "식단",
    { created: String(wsRow?.created), type: typeof wsRow?.created, tags: wsRow?.tags },
  );
  const sql = neon(connectionString);
  const [counts] = await sql`select
      count(*) filter (where name = 'ws-rolled-back')::int as rolled,
      count(*) filter (where name = 'ws-committed')::int as committed
    from smoke_items`;
  check(
    "rollback discarded, commit kept (seen via HTTP)",
    counts?.rolled === 0 && counts?.committed === 1,
    counts,
  );

  // Two connections at once: a transaction on one must not leak into, or
  // deadlock, the other (embedded mode serialises them).
  const a = await pool.connect();
  const b = await pool.connect();
  await a.query("begin");
  await a.query("insert into smoke_items (name) values ('ws-a')");
  const bQuery = b.query("select count(*)::int as n from smoke_items where name = 'ws-a'");
  await sleep(50);
  await a.query("commit");
  const bResult = await bQuery;
  a.release();
  b.release();
  check(
    "concurrent connections both work",
    (bResult.rows[0] as { n: number } | undefined)?.n !== undefined,
    bResult.rows,
  );

  const [, endMs] = await timed(() => pool.end());
  check(`pool.end() finishes promptly (${endMs.toFixed(0)} ms)`, endMs < 1000);
}

async function checkUpstash(stack: Stack): Promise<void> {
  console.log(" @upstash/redis + @upstash/ratelimit");
  const redis = new Redis({ url: stack.upstashUrl, token: stack.upstashToken });
  const key = `smoke:${Date.now()}`;
  check("SET → OK", (await redis.set(`${key}:s`, "식단")) === "OK");
  check("GET UTF-8 via base64", (await redis.get(`${key}:s`)) === "식단");
  check("GET missing → null", (await redis.get(`${key}:missing`)) === null);
  check(
    "SET value 'OK' round-trips",
    (await redis.set(`${key}:ok`, "OK")) === "OK" && (await redis.get(`${key}:ok`)) === "OK",
  );
  await redis.set(`${key}:json`, { meal: "김치찌개", kcal: 300 });
  check("JSON value", isDeepStrictEqual(await redis.get(`${key}:json`), { meal: "김치찌개", kcal: 300 }));
  check("INCR → number", (await redis.incr(`${key}:n`)) === 1);
  await redis.hset(`${key}:h`, { a: "1", 식: "단" });
  check(
    "HGETALL",
    isDeepStrictEqual(await redis.hgetall(`${key}:h`), { a: 1, 식: "단" }),
    await redis.hgetall(`${key}:h`),
  );
  await redis.rpush(`${key}:l`, "하나", "OK", "3");
  check(
    "LRANGE (array of strings)",
    isDeepStrictEqual(await redis.lrange(`${key}:l`, 0, -1), ["하나", "OK", 3]),
    await redis.lrange(`${key}:l`, 0, -1),
  );
  await redis.zadd(`${key}:z`, { score: 2, member: "b" }, { score: 1, member: "a" });
  check(
    "ZRANGE withScores",
    isDeepStrictEqual(await redis.zrange(`${key}:z`, 0, -1, { withScores: true }), ["a", 1, "b", 2]),
  );
  check("PING (status reply)", (await redis.ping()) === "PONG");
  const wrongType = await expectError(redis.lpush(`${key}:s`, "x"));
  check(
    "command error surfaces",
    String(wrongType).includes("WRONGTYPE") || String(wrongType).includes("ERR"),
    String(wrongType),
  );

  const piped = await redis.pipeline().set(`${key}:p`, "1").incr(`${key}:p`).get(`${key}:p`).exec();
  check("pipeline", isDeepStrictEqual(piped, ["OK", 2, 2]), piped);
  const keep = await redis
    .pipeline()
    .set(`${key}:p2`, "v")
    .lpush(`${key}:p2`, "x")
    .get(`${key}:p2`)
    .exec({ keepErrors: true });
  check("pipeline keeps per-command errors", keep[1]?.error !== undefined && keep[2]?.result === "v", keep);
  const tx = await redis.multi().set(`${key}:m`, "식단").append(`${key}:m`, "!").get(`${key}:m`).exec();
  // APPEND answers a byte count: 7 on Redis, but ioredis-mock counts UTF-16 units.
  check("multi-exec", isDeepStrictEqual(tx, ["OK", stack.embedded.redis ? 3 : 7, "식단!"]), tx);

  const raw = await fetch(stack.upstashUrl, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.upstashToken}`, "upstash-encoding": "base64" },
    body: JSON.stringify(["MGET", `${key}:s`, `${key}:missing`, `${key}:n`]),
  });
  const rawBody = await raw.json();
  check(
    "wire: base64 strings, null stays null",
    isDeepStrictEqual(rawBody, { result: [Buffer.from("식단").toString("base64"), null, "MQ=="] }),
    rawBody,
  );
  const unauth = await fetch(stack.upstashUrl, {
    method: "POST",
    headers: { authorization: "Bearer nope" },
    body: '["PING"]',
  });
  check(
    "wrong token → 401 {error}",
    unauth.status === 401 && typeof ((await unauth.json()) as { error?: unknown }).error === "string",
  );
  const badToken = await expectError(
    new Redis({ url: stack.upstashUrl, token: "nope", retry: false }).get("x"),
  );
  check("SDK with wrong token throws", badToken !== undefined, String(badToken));

  const limiters = [
    ["slidingWindow", Ratelimit.slidingWindow(3, "10 s")],
    ["fixedWindow", Ratelimit.fixedWindow(3, "10 s")],
  ] as const;
  // In ioredis-mock's Lua a missing HMGET field is a null userdata, not
  // false, which breaks the token bucket script; real Redis runs it fine.
  const withBucket = stack.embedded.redis
    ? limiters
    : [...limiters, ["tokenBucket", Ratelimit.tokenBucket(3, "10 s", 3)] as const];
  for (const [name, limiter] of withBucket) {
    const ratelimit = new Ratelimit({ redis, limiter, prefix: `${key}:rl:${name}`, ephemeralCache: false });
    const results: boolean[] = [];
    for (let i = 0; i < 4; i++) results.push((await ratelimit.limit("user-1")).success);
    check(
      `ratelimit ${name}(3): 3 pass, 4th blocked`,
      isDeepStrictEqual(results, [true, true, true, false]),
      results,
    );
  }
}

async function checkControl(stack: Stack, database: string): Promise<void> {
  console.log(" counting, delay, faults");
  const sql = neon(`postgres://app@somewhere/${database}`);
  const redis = new Redis({ url: stack.upstashUrl, token: stack.upstashToken, retry: false });

  await control(stack.neonControlUrl, "reset");
  await control(stack.upstashControlUrl, "reset");
  await sql`select 1`;
  await sql.transaction([sql`select 1`, sql`select 2`, sql`select 3`]);
  await redis.get("x");
  await redis.pipeline().get("a").get("b").get("c").exec();
  const neonStats = await control(stack.neonControlUrl, "stats");
  const upstashStats = await control(stack.upstashControlUrl, "stats");
  check(
    "neon stats: 2 round trips, 4 queries",
    neonStats.httpRequests === 2 && neonStats.queries === 4,
    neonStats,
  );
  check(
    "upstash stats: 2 round trips, 4 commands",
    upstashStats.requests === 2 && upstashStats.commands === 4,
    upstashStats,
  );

  await control(stack.neonControlUrl, "config", { delayMs: 25 });
  await control(stack.upstashControlUrl, "config", { delayMs: 25 });
  const [, neonMs] = await timed(() => sql`select 1`);
  const [, redisMs] = await timed(() => redis.get("x"));
  const pool = new Pool({ connectionString: `postgres://postgres@127.0.0.1/${database}` });
  const client = await pool.connect();
  const [, wsMs] = await timed(() => client.query("select 1"));
  client.release();
  await pool.end();
  check(`delay 25: neon() round trip ${neonMs.toFixed(0)} ms ≥ 50`, neonMs >= 50);
  check(`delay 25: upstash round trip ${redisMs.toFixed(0)} ms ≥ 50`, redisMs >= 50);
  check(`delay 25: ws query round trip ${wsMs.toFixed(0)} ms ≥ 50`, wsMs >= 50);
  await control(stack.neonControlUrl, "config", { delayMs: 0 });
  await control(stack.upstashControlUrl, "config", { delayMs: 0 });

  await control(stack.neonControlUrl, "config", { fault: "down" });
  await control(stack.upstashControlUrl, "config", { fault: "down" });
  const [neonDown, neonDownMs] = await timed(() => expectError(sql`select 1`));
  const [redisDown, redisDownMs] = await timed(() => expectError(redis.get("x")));
  const downPool = new Pool({ connectionString: `postgres://postgres@127.0.0.1/${database}` });
  downPool.on("error", () => {});
  const [wsDown, wsDownMs] = await timed(() => expectError(downPool.query("select 1")));
  await downPool.end().catch(() => {});
  check(
    `down: neon() fails fast (${neonDownMs.toFixed(0)} ms)`,
    neonDown instanceof NeonDbError && neonDownMs < 1000,
    String(neonDown),
  );
  check(
    `down: upstash fails fast (${redisDownMs.toFixed(0)} ms)`,
    redisDown !== undefined && redisDownMs < 1000,
    String(redisDown),
  );
  check(
    `down: ws Pool fails fast (${wsDownMs.toFixed(0)} ms)`,
    wsDown !== undefined && wsDownMs < 1000,
    String(wsDown),
  );
  const stillThere = await control(stack.neonControlUrl, "stats");
  check("control API works while down", typeof stillThere.httpRequests === "number");

  await control(stack.neonControlUrl, "config", { fault: "error" });
  await control(stack.upstashControlUrl, "config", { fault: "error" });
  const neonError = await expectError(sql`select 1`);
  const redisError = await expectError(redis.get("x"));
  check("error: neon() → Server error 503", String(neonError).includes("HTTP status 503"), String(neonError));
  check("error: upstash throws", redisError !== undefined, String(redisError));

  await control(stack.neonControlUrl, "config", { fault: "hang" });
  await control(stack.upstashControlUrl, "config", { fault: "hang" });
  const [neonHang, neonHangMs] = await timed(() =>
    expectError(sql.query("select 1", [], { fetchOptions: { signal: AbortSignal.timeout(300) } })),
  );
  const [redisHang, redisHangMs] = await timed(() =>
    expectError(
      fetch(stack.upstashUrl, { method: "POST", body: '["PING"]', signal: AbortSignal.timeout(300) }),
    ),
  );
  check(
    `hang: neon() only ends by client timeout (${neonHangMs.toFixed(0)} ms)`,
    neonHang !== undefined && neonHangMs >= 290,
    String(neonHang),
  );
  check(
    `hang: upstash only ends by client timeout (${redisHangMs.toFixed(0)} ms)`,
    redisHang !== undefined && redisHangMs >= 290,
    String(redisHang),
  );

  await control(stack.neonControlUrl, "config", { fault: "none" });
  await control(stack.upstashControlUrl, "config", { fault: "none" });
  const [back] = await sql`select 42 as n`;
  check("recovers after fault none", back?.n === 42 && (await redis.ping()) === "PONG", back);
}

async function scenario(name: string, options: StackOptions, database: string): Promise<void> {
  console.log(`\n== ${name}`);
  const [stack, startMs] = await timed(() =>
    startStack({ ...options, log: (line) => console.log(`  [stack] ${line}`) }),
  );
  console.log(`  started in ${startMs.toFixed(0)} ms; embedded=${JSON.stringify(stack.embedded)}`);
  neonConfig.fetchEndpoint = () => stack.neonHttpUrl;
  neonConfig.webSocketConstructor = ws;
  neonConfig.wsProxy = () => stack.neonWsHost;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  neonConfig.forceDisablePgSSL = true;
  try {
    const setup = new pg.Client(stack.postgresUrl);
    await setup.connect();
    await setup.query("drop table if exists smoke_items, smoke_meals");
    await setup.query(`create table smoke_items (
      id uuid primary key default gen_random_uuid(), name text not null unique, price numeric(10,2),
      tags text[], meta jsonb, created timestamptz, big bigint, ok boolean, note text)`);
    await setup.query(
      "create table smoke_meals (id serial primary key, name text not null unique, kcal integer not null)",
    );
    await setup.end();
    const wsConnectionString = stack.embedded.postgres
      ? "postgres://postgres@localhost/postgres"
      : (options.databaseUrl ?? "");
    await checkNeonHttp(database);
    await checkNeonWs(wsConnectionString);
    await checkUpstash(stack);
    await checkControl(stack, database);
  } finally {
    const [, stopMs] = await timed(() => stack.stop());
    await stack.stop(); // idempotent
    console.log(`  stopped in ${stopMs.toFixed(0)} ms`);
  }
}

async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client(admin.toString());
  await client.connect();
  const name = target.pathname.slice(1);
  const exists = await client.query("select 1 from pg_database where datname = $1", [name]);
  if (exists.rowCount === 0) await client.query(`create database "${name.replaceAll('"', '""')}"`);
  await client.end();
}

const only = process.argv[2];
const realDb = process.env.SMOKE_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/stack_smoke";
const realRedis = process.env.SMOKE_REDIS_URL ?? "redis://127.0.0.1:6379/14";
if (!only || only === "real") {
  await ensureDatabase(realDb);
  await scenario(
    "real PostgreSQL + real Redis",
    { databaseUrl: realDb, redisUrl: realRedis },
    new URL(realDb).pathname.slice(1),
  );
}
if (!only || only === "embedded") {
  await scenario("embedded PGlite (memory://) + ioredis-mock", { pgliteDataDir: "memory://" }, "postgres");
}
console.log(failures === 0 ? "\nSMOKE OK" : `\nSMOKE FAILED: ${failures} check(s)`);
process.exit(failures === 0 ? 0 : 1);
