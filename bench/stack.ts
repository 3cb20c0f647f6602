// The benchmark's stack process (spawned by run.ts through scripts/lib/spawn-ready.ts): the local edge
// stack with the injected delay, plus a "meter" that watches its Neon and Upstash endpoints from
// inside this process.
//
// Why a meter: the stack counts a round trip when the request ARRIVES. Work a handler hands to
// waitUntil is usually started before the handler returns, so it reaches the stack at the same
// moment the client gets its response, and a counter read "right after the response" would already
// include it. What separates a request's own round trips from deferred ones is whether the response
// waited for them, i.e. whether they had COMPLETED by the time the response arrived. The meter records
// exactly that: when each answer went back to the Worker, on the machine's monotonic clock, which the
// client reads too. The stack's own counters stay the authority for the totals; measure.ts checks
// that both agree.
//
// Runs in its own process so that the stack's work (pg, timers, Lua) never shares an event loop with
// the client that is timing requests. Prints `STACK_READY {json}`; stops on SIGTERM/SIGINT or when
// its parent goes away.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { startStack } from "../stack/index.ts";

export interface BenchStack {
  postgresUrl: string;
  neonControlUrl: string;
  upstashControlUrl: string;
  upstashToken: string;
  embedded: { postgres: boolean; redis: boolean };
  /** What the Worker talks to: the stack's endpoints, which the meters watch. */
  neonHttpUrl: string;
  upstashUrl: string;
  /** `GET ?at=<process.hrtime ns>` → MeterState of both meters. */
  meterUrl: string;
  /** The Open Food Facts stand-in (barcode lookups never leave the machine). */
  openFoodFactsUrl: string | undefined;
}

export type MeterCounts = { started: number; completed: number; inflight: number; completedBy: number };
export type MeterState = { db: MeterCounts; redis: MeterCounts };

const host = "127.0.0.1";
const stack = await startStack({
  databaseUrl: process.env.DATABASE_URL || undefined,
  redisUrl: process.env.REDIS_URL || undefined,
  // A fresh in-memory database per run: never the shared .data/pglite of `npm run dev`.
  pgliteDataDir: "memory://",
  delayMs: Number(process.env.BENCH_DELAY_MS ?? 25),
  log: (line) => process.stderr.write(`[stack] ${line}\n`),
});

/**
 * Counts one endpoint's round trips. Each is stamped (process.hrtime: CLOCK_MONOTONIC, the same clock
 * in every process of the machine) as the stack starts sending the end of its answer, or when the
 * exchange ended without one: a round trip stamped after the client received its response cannot be
 * one the response waited for. The stamp is taken in `res.end()`, before the bytes go out: the
 * response's "finish" event comes only after the write has completed, a turn of this process's event
 * loop later, by which time the Worker, on the other CPU, may already have answered the client (one
 * export sample of 20 counted its round trip as deferred that way).
 * It watches the stack's own servers from inside this process (Stack.watchRoundTrips) rather than
 * standing in front of them as a proxy: a pass-through costs about 1 ms per round trip here (POST /sql
 * `select 1`, 12 rounds of 40 sequential requests, 0.5–1.2 ms more through it than direct, measured
 * 2026-11-30), which no production request pays.
 */
function meter(endpoint: "neon" | "upstash") {
  let started = 0;
  const ends: bigint[] = []; // answer times, in the order they happened
  stack.watchRoundTrips(endpoint, (res) => {
    started++;
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      ends.push(process.hrtime.bigint());
      if (ends.length > 200_000) ends.splice(0, 100_000); // only recent ones are ever asked about
    };
    const send = res.end.bind(res) as (...args: unknown[]) => typeof res;
    res.end = ((...args: unknown[]) => {
      end();
      return send(...args);
    }) as typeof res.end;
    res.once("close", end); // aborted by the Worker (timeout) or failed: over too
  });
  /** Counts now; `completedBy`: how many had been answered at monotonic time `at` (ns). */
  const counts = (at: bigint | undefined): MeterCounts => {
    let completedBy = ends.length;
    if (at !== undefined) while (completedBy > 0 && ends[completedBy - 1]! > at) completedBy--;
    return { started, completed: ends.length, inflight: started - ends.length, completedBy };
  };
  return { counts };
}

const db = meter("neon");
const redis = meter("upstash");
// GET /?at=<ns> → MeterState
const control = http.createServer((req, res) => {
  const at = new URL(req.url ?? "/", "http://x").searchParams.get("at");
  const when = at ? BigInt(at) : undefined;
  const state: MeterState = { db: db.counts(when), redis: redis.counts(when) };
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(state));
});

const listen = (server: http.Server) =>
  new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
  });
const controlPort = await listen(control);

const ready: BenchStack = {
  postgresUrl: stack.postgresUrl,
  neonControlUrl: stack.neonControlUrl,
  upstashControlUrl: stack.upstashControlUrl,
  upstashToken: stack.upstashToken,
  embedded: stack.embedded,
  openFoodFactsUrl: stack.openFoodFactsUrl,
  neonHttpUrl: stack.neonHttpUrl,
  upstashUrl: stack.upstashUrl,
  meterUrl: `http://${host}:${controlPort}/`,
};
process.stdout.write(`STACK_READY ${JSON.stringify(ready)}\n`);

let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  control.close();
  control.closeAllConnections();
  await stack.stop().catch(() => {});
  process.exit(code);
}
process.once("SIGTERM", () => void stop(0));
process.once("SIGINT", () => void stop(0));
// If run.ts dies without cleaning up (SIGKILL), do not linger holding ports and a database.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop(0);
}, 500).unref();
