// `npm run bench`: the local edge stack with an injected delay, migrations, the real Worker (the deploy
// bundle in workerd, bench/edge-worker.ts), the scripted workload, then CPU, throughput and bundle size; writes bench/results/.
// Everything started here is stopped in `finally`, on Ctrl-C and on SIGTERM. See bench/README.md.
import "../scripts/require-node.mjs";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { openSync } from "node:fs";
import { mkdtemp, readdir, readFile, readlink, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import { applyMigrations } from "../scripts/lib/migrate.ts";
import { spawnReady, stopChild } from "../scripts/lib/spawn-ready.ts";
import { LOCAL_DATABASE_URL, settingsFromEnvironment } from "../scripts/lib/worker-vars.ts";
import { seedFoods } from "./foods.ts";
import { type Answer, Counters, client, cpuTicks, median, throughput } from "./measure.ts";
import { type Results, summarize, textTable, writeResults } from "./report.ts";
import type { BenchStack } from "./stack.ts";
import { measureReferenceHealth, runAuthWorkload, runWorkload } from "./workload.ts";

const env = process.env;
const knob = (name: string, fallback: number) => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return value;
};
const delayMs = knob("BENCH_DELAY_MS", 25);
const samples = Math.max(1, Math.floor(knob("BENCH_SAMPLES", 20)));
const warmups = Math.floor(knob("BENCH_WARMUPS", 2));
const concurrency = Math.max(1, Math.floor(knob("BENCH_CONCURRENCY", 16)));
const throughputMs = knob("BENCH_THROUGHPUT_MS", 5000);
const cpuLogins = Math.max(1, Math.floor(knob("BENCH_CPU_LOGINS", 30)));
const cpuRepeats = Math.max(1, Math.floor(knob("BENCH_CPU_REPEATS", 3)));
const resultsDir = new URL("./results", import.meta.url).pathname;
const root = new URL("..", import.meta.url).pathname;
const wranglerBin = join(
  createRequire(import.meta.url).resolve("wrangler/package.json"),
  "../bin/wrangler.js",
);
// Offline, wrangler may hang after it is done (metrics) and spends seconds probing Cloudflare.
const wranglerEnv = { ...env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

const began = performance.now();
const loadAtStart = loadavg();
const log = (line: string) =>
  console.log(`[bench ${((performance.now() - began) / 1000).toFixed(0).padStart(3)} s] ${line}`);

// What Cloudflare's front line adds to each request, sent by the client on the direct door (the entry
// Worker adds it from the socket's address; edge-worker.ts).
const FRONT_LINE = { "cf-connecting-ip": "127.0.0.1" };

// ------------------------------------------------------------------------------------------ cleanup

const tmp = await mkdtemp(join(tmpdir(), "sikdan-bench-"));
const workerLog = join(tmp, "worker.log");
let stackChild: ChildProcess | undefined;
let worker: ChildProcess | undefined;
let workerPerIp: ChildProcess | undefined;
let wranglerDev: ChildProcess | undefined;
let builder: ChildProcess | undefined;

/** Stops a detached child and everything it started (its process group), by its id. */
async function stopGroup(child: ChildProcess | undefined, graceMs = 5000) {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
  signal("SIGKILL"); // anything of the group that outlived its leader (workerd)
}

let cleaning: Promise<void> | undefined;
function cleanup() {
  cleaning ??= (async () => {
    await Promise.all([worker, workerPerIp, wranglerDev, builder].map((child) => stopGroup(child)));
    if (stackChild) await stopChild(stackChild);
    if (!env.BENCH_KEEP_TMP) await rm(tmp, { recursive: true, force: true });
  })();
  return cleaning;
}
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    interrupted = true;
    log(`${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ------------------------------------------------------------------------------------------ helpers

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function tail(file: string, lines = 40) {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.split("\n").slice(-lines).join("\n");
}

/** `wrangler deploy --dry-run --outdir`: the bundle that would be uploaded; we gzip its main .js. */
async function measureBundle() {
  const outdir = join(tmp, "bundle");
  const output = join(tmp, "build.log");
  builder = spawn(process.execPath, [wranglerBin, "deploy", "--dry-run", "--outdir", outdir], {
    cwd: root,
    env: wranglerEnv,
    stdio: ["ignore", openSync(output, "w"), openSync(output, "a")],
    detached: true,
  });
  const code = await new Promise<number | null>((resolve) => builder!.once("exit", resolve));
  if (code !== 0) throw new Error(`wrangler deploy --dry-run exited ${code}\n${await tail(output)}`);
  const files = (await readdir(outdir)).filter((file) => file.endsWith(".js"));
  const sizes = await Promise.all(
    files.map(async (file) => ({ file, size: (await stat(join(outdir, file))).size })),
  );
  const main = sizes.find((s) => s.file === "index.js") ?? sizes.sort((a, b) => b.size - a.size)[0];
  if (!main) throw new Error(`no .js in ${outdir}`);
  const path = join(outdir, main.file);
  const raw = await readFile(path);
  // zlib's default level, as wrangler's own "gzip:" figure (kept next to ours as a cross-check).
  const reported = /Total Upload: .*/.exec(await readFile(output, "utf8"))?.[0] ?? null;
  return { path, raw: raw.length, gzip: gzipSync(raw).length, reported };
}

/**
 * The deploy bundle with `vars` in workerd (bench/edge-worker.ts: Miniflare, configured from
 * wrangler.toml as `wrangler dev` would), on free ports, in its own process group. The Worker we
 * measure is the deploy bundle itself (minified, as uploaded): the numbers belong to the bytes we
 * report, and an edit to src/ during the run cannot reload the Worker under it. `baseUrl` is the
 * direct socket to the Worker, `entryUrl` the same Worker behind Miniflare's entry Worker (its
 * stand-in for Cloudflare's front line; edge-worker.ts says why the rows go direct).
 */
async function startWorker(bundlePath: string, vars: Record<string, string>, logFile: string) {
  const [port, directPort] = [await freePort(), await freePort()];
  const { child, ready } = await spawnReady<{ url: string; directUrl: string }>(
    new URL("./edge-worker.ts", import.meta.url).pathname,
    {
      env: {
        ...wranglerEnv,
        BENCH_WORKER: JSON.stringify({ bundle: bundlePath, port, directPort, vars, logFile }),
      },
      detached: true, // its own process group, so stopping it takes workerd along
      timeoutMs: 90_000,
    },
  );
  return { child, port, baseUrl: ready.directUrl, entryUrl: ready.url };
}

/**
 * The same bundle in `wrangler dev`, for the reference row only: what its development proxy adds to
 * every request (bench/edge-worker.ts says what that proxy is).
 */
async function startWranglerDev(bundlePath: string, vars: Record<string, string>, logFile: string) {
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      wranglerBin,
      "dev",
      // The project's configuration (its [assets]: the OpenAPI document), with `bundlePath` as main.
      "--config",
      join(root, "wrangler.toml"),
      bundlePath,
      "--no-bundle",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      join(tmp, `state-${port}`), // never the shared .wrangler/state of `npm run dev`
      "--show-interactive-dev-session=false",
      ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ],
    {
      cwd: root,
      env: wranglerEnv,
      stdio: ["ignore", openSync(logFile, "w"), openSync(logFile, "a")],
      detached: true,
    },
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let waited = 0; ; waited += 250) {
    if (child.exitCode !== null)
      throw new Error(`wrangler dev exited ${child.exitCode}\n${await tail(logFile)}`);
    const up = await fetch(`${baseUrl}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (waited > 90_000) throw new Error(`wrangler dev not ready after 90 s\n${await tail(logFile)}`);
    await sleep(250);
  }
  return { child, port, baseUrl };
}

/** Parent → children map from /proc, to find the workerd processes under the Worker's process. */
async function workerdPids(rootPid: number, port: number) {
  const children = new Map<number, number[]>();
  const names = new Map<number, string>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const text = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    if (!text) continue;
    const pid = Number(entry);
    names.set(pid, text.slice(text.indexOf("(") + 1, text.lastIndexOf(")")));
    const ppid = Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const descendants: number[] = [];
  const queue = [rootPid];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      descendants.push(child);
      queue.push(child);
    }
  }
  const workerds = descendants.filter((pid) => names.get(pid) === "workerd");
  // Which of them owns the listening socket on the Worker's port (/proc/net/tcp, state 0A = LISTEN).
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const tcp = (await readFile("/proc/net/tcp", "utf8")).split("\n").slice(1);
  const inodes = new Set(
    tcp
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[1]?.endsWith(`:${hexPort}`) && f[3] === "0A")
      .map((f) => f[9]),
  );
  let listening: number | undefined;
  for (const pid of workerds) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode && inodes.has(inode)) listening = pid;
    }
  }
  return { all: workerds, listening };
}

/**
 * CPU of one login: workerd's utime+stime over `cpuLogins` sequential logins, minus the same number of
 * GET /health (what any request costs), per login; the median of `cpuRepeats` such runs, since other
 * work on the machine makes single runs wander. Every workerd under the Worker's process is counted
 * (Miniflare runs its entry and asset-routing Workers in the same one); the subtraction removes what
 * they and request handling in general cost.
 */
async function loginCpu(
  pids: number[],
  counters: Counters,
  login: () => Promise<Answer>,
  health: () => Promise<Answer>,
) {
  const clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  const ticks = async () => (await Promise.all(pids.map(cpuTicks))).reduce((a, b) => a + b, 0);
  for (let i = 0; i < 3; i++) await Promise.all([login(), health()]); // warm both paths
  await counters.settle();
  const runs: Array<{ ms: number; loginTicks: number; healthTicks: number }> = [];
  for (let run = 0; run < cpuRepeats; run++) {
    const t0 = await ticks();
    for (let i = 0; i < cpuLogins; i++) await health();
    await counters.settle();
    const t1 = await ticks();
    for (let i = 0; i < cpuLogins; i++) {
      const answer = await login();
      if (answer.status !== 200) throw new Error(`login for the CPU measure answered ${answer.status}`);
    }
    await counters.settle(); // the deferred work of the logins, if any, is part of their cost
    const t2 = await ticks();
    const [healthTicks, loginTicks] = [t1 - t0, t2 - t1];
    runs.push({
      ms: (((loginTicks - healthTicks) / clockTicks) * 1000) / cpuLogins,
      loginTicks,
      healthTicks,
    });
  }
  return { ms: median(runs.map((r) => r.ms)), runs, clockTicks };
}

// --------------------------------------------------------------------------------------------- main

let exitCode = 0;
try {
  log(
    `delay ${delayMs} ms each way (RTT ${2 * delayMs} ms), ${samples} samples after ${warmups} warm-up rounds`,
  );
  const bundle = measureBundle(); // builds while the stack starts
  bundle.catch(() => {}); // awaited below; keeps an early failure from being "unhandled"

  const { child, ready: stack } = await spawnReady<BenchStack>(
    new URL("./stack.ts", import.meta.url).pathname,
    {
      env: { ...env, BENCH_DELAY_MS: String(delayMs) },
    },
  );
  stackChild = child;
  child.stderr?.on("data", (chunk: Buffer) => process.stderr.write(chunk));
  const backend = {
    postgres: stack.embedded.postgres ? "embedded PGlite (in memory)" : "PostgreSQL (DATABASE_URL)",
    redis: stack.embedded.redis ? "in-memory Redis (ioredis-mock)" : "Redis (REDIS_URL)",
  };
  log(`stack up: ${backend.postgres}, ${backend.redis}`);
  await applyMigrations(stack.postgresUrl);
  const foodIds = await seedFoods(stack.postgresUrl);
  const built = await bundle;
  log(`bundle ${(built.gzip / 1024).toFixed(1)} KiB gzipped`);

  const vars: Record<string, string> = {
    DATABASE_URL: LOCAL_DATABASE_URL,
    NEON_FETCH_ENDPOINT: stack.neonHttpUrl,
    UPSTASH_REDIS_REST_URL: stack.upstashUrl,
    UPSTASH_REDIS_REST_TOKEN: stack.upstashToken,
    JWT_SECRET: randomBytes(32).toString("base64url"),
    ...(stack.openFoodFactsUrl ? { OPENFOODFACTS_URL: stack.openFoodFactsUrl } : {}),
    ...settingsFromEnvironment(),
    // One client address and thousands of writes a minute: limits would measure 429s, not the API.
    RATE_LIMIT_PER_IP: "off",
    RATE_LIMIT_WRITES_PER_USER: "1000000",
  };
  const main = await startWorker(built.path, vars, workerLog);
  worker = main.child;
  const { port, baseUrl, entryUrl } = main;
  log(
    `worker up on ${baseUrl} (entry Worker: ${entryUrl}) after ${Math.round((performance.now() - began) / 1000)} s`,
  );
  const { raw: bundleRawBytes, gzip: bundleGzipBytes, reported: wranglerReported } = built;

  // ----------------------------------------------------------------- per-endpoint workload (delay on)
  const call = client(baseUrl, FRONT_LINE);
  const counters = new Counters(stack, delayMs);
  const { recorded, mainUser } = await runWorkload({
    call,
    counters,
    samples,
    warmups,
    foodIds,
    progress: log,
  });

  // The auth rows again on a Worker with the per-IP limits on (the production default), set too high
  // to refuse: what counting them costs. They are counted in parallel with the database work.
  const perIp = await startWorker(
    built.path,
    {
      ...vars,
      RATE_LIMIT_PER_IP: "on",
      RATE_LIMIT_AUTH_PER_IP: "1000000",
      RATE_LIMIT_SIGNUPS_PER_IP: "1000000",
    },
    join(tmp, "worker-per-ip.log"),
  );
  workerPerIp = perIp.child;
  log(`worker with per-IP limits on up on ${perIp.baseUrl}`);
  await runAuthWorkload({ call: client(perIp.baseUrl, FRONT_LINE), counters, samples, warmups, recorded });
  await stopGroup(workerPerIp);

  // The reference rows: GET /health through Miniflare's entry Worker, and through `wrangler dev` (its
  // development proxy), on the same bundle.
  const rounds = { counters, samples, warmups, recorded };
  await measureReferenceHealth("healthEntry", { call: client(entryUrl), ...rounds });
  const dev = await startWranglerDev(built.path, vars, join(tmp, "wrangler-dev.log"));
  wranglerDev = dev.child;
  log(`wrangler dev up on ${dev.baseUrl} (reference row)`);
  await measureReferenceHealth("healthWranglerDev", { call: client(dev.baseUrl), ...rounds });
  await stopGroup(wranglerDev);
  const endpoints = summarize(recorded, delayMs);

  // ------------------------------------------------------------------ CPU and throughput (delay off)
  await counters.setDelay(0);
  const { all: pids, listening } = await workerdPids(worker.pid!, port);
  if (pids.length === 0) throw new Error("found no workerd process under the Worker's process");
  log(`workerd: ${pids.join(", ")} (listening on ${port}: ${listening ?? "none found"})`);
  const login = () =>
    call({ path: "/v1/auth/login", body: { email: mainUser.email, password: mainUser.password } });
  const health = () => call({ path: "/health" });
  const cpu = await loginCpu(pids, counters, login, health);
  log(`login CPU ${cpu.ms.toFixed(1)} ms (runs: ${cpu.runs.map((r) => r.ms.toFixed(1)).join(", ")})`);

  const signedIn = await login();
  const token = (signedIn.body as { accessToken: string }).accessToken;
  const authedPath = "/v1/users/me";
  const authed = () => call({ path: authedPath, token });
  await throughput(health, concurrency, 500); // warm the connection pool
  const healthRun = await throughput(health, concurrency, throughputMs);
  await throughput(authed, concurrency, 500);
  const authedRun = await throughput(authed, concurrency, throughputMs);
  if (healthRun.failed || authedRun.failed)
    log(`throughput failures: /health ${healthRun.failed}, ${authedPath} ${authedRun.failed}`);
  await counters.setDelay(delayMs);

  const results: Results = {
    date: new Date().toISOString(),
    delayMs,
    samples,
    warmups,
    backend,
    machine: {
      cpus: availableParallelism(),
      node: process.versions.node,
      clockTicksPerSecond: cpu.clockTicks,
      loadAverage: { start: loadAtStart, end: loadavg() },
    },
    endpoints,
    bundleGzipBytes,
    bundleRawBytes,
    bundleWranglerReport: wranglerReported,
    loginCpuMs: Math.round(cpu.ms * 100) / 100,
    loginCpu: { logins: cpuLogins, runs: cpu.runs, workerdPids: pids },
    throughput: {
      health: Math.round(healthRun.rps),
      authedRead: Math.round(authedRun.rps),
      ratio: Math.round((authedRun.rps / healthRun.rps) * 1000) / 1000,
      concurrency,
      seconds: throughputMs / 1000,
      authedPath: `GET ${authedPath}`,
    },
    meterMismatches: counters.mismatches,
    durationSeconds: Math.round((performance.now() - began) / 1000),
  };
  await writeResults(resultsDir, results);
  console.log(`\n${textTable(endpoints)}\n`);
  console.log(
    `bundle ${(bundleGzipBytes / 1024).toFixed(1)} KiB gzipped (${(bundleRawBytes / 1024).toFixed(1)} KiB raw) · ` +
      `login ${cpu.ms.toFixed(1)} ms CPU · throughput /health ${results.throughput.health} req/s, ` +
      `${authedPath} ${results.throughput.authedRead} req/s (×${results.throughput.ratio})`,
  );
  if (counters.mismatches.length) log(`meter/stack count mismatches: ${counters.mismatches.length}`);
  log(`wrote bench/results/latest.{json,md} and chart.svg in ${results.durationSeconds} s`);
} catch (error) {
  exitCode = 1;
  // After Ctrl-C the stack goes down under the workload's feet: that failure is not news.
  if (!interrupted) console.error("[bench] failed:", error);
} finally {
  await cleanup();
}
process.exit(interrupted ? 130 : exitCode);
