// Timing, round-trip counting and statistics. One measured request goes:
//   settle → reset the stack's counters → send, time until the body is read → read counters
//   ("at response") → wait 2×delay+50 ms → read counters again (totals, deferred work included).
// Own vs deferred comes from the meter (bench/stack.ts): round trips answered before the response
// arrived are the request's own; the rest of the stack's total is deferred (waitUntil).
import { setTimeout as sleep } from "node:timers/promises";
import type { BenchStack, MeterState } from "./stack.ts";

export type Call = {
  method?: string;
  path: string;
  token?: string;
  body?: unknown;
  /** Bytes sent as they are (a photo), with the `headers` given. */
  rawBody?: Uint8Array<ArrayBuffer>;
  headers?: Record<string, string>;
};

/** `at`: when the response (its headers) arrived, on the monotonic clock the meter stamps with. */
export type Answer = { status: number; body: any; ms: number; at: bigint };

/**
 * A plain HTTP client for the Worker: JSON in and out, Bearer auth (no cookies, so no CSRF checks).
 * `always`: headers sent with every request (what Cloudflare's front line adds, on the direct door).
 */
export function client(baseUrl: string, always: Record<string, string> = {}) {
  return async function call({ method, path, token, body, rawBody, headers = {} }: Call): Promise<Answer> {
    const init: RequestInit = {
      method: method ?? (body === undefined && rawBody === undefined ? "GET" : "POST"),
      headers: { ...always, ...headers },
    };
    const h = init.headers as Record<string, string>;
    if (token) h.authorization = `Bearer ${token}`;
    if (body !== undefined) {
      h["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    if (rawBody !== undefined) init.body = rawBody;
    const started = performance.now();
    try {
      const response = await fetch(baseUrl + path, init);
      const at = process.hrtime.bigint();
      const text = await response.text(); // latency = until the whole body is in, as a client sees it
      const ms = performance.now() - started;
      let parsed: unknown = text.length > 2000 ? `(${text.length} characters)` : text;
      if (response.headers.get("content-type")?.includes("json") && text) parsed = JSON.parse(text);
      return { status: response.status, body: parsed, ms, at };
    } catch (error) {
      // No HTTP answer at all (connection refused or reset): status 0, recorded like any failure.
      return { status: 0, body: String(error), ms: performance.now() - started, at: process.hrtime.bigint() };
    }
  };
}

export type Sample = {
  status: number;
  ms: number;
  /** Round trips the response waited for (completed before it arrived). */
  db: number;
  redis: number;
  /** Round trips that were still running, or started, after the response (waitUntil). */
  dbDeferred: number;
  redisDeferred: number;
  /** The stack's counters read right after the response, whatever had merely arrived by then. */
  dbAtResponse: number;
  redisAtResponse: number;
  dbQueries: number;
  redisCommands: number;
};

type NeonStats = { httpRequests: number; queries: number };
type UpstashStats = { requests: number; commands: number };

const getJson = async <T>(url: string, init?: RequestInit): Promise<T> => {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${init?.method ?? "GET"} ${url}: ${response.status}`);
  return (await response.json()) as T;
};

/** The stack's control API plus the meter, and the measuring protocol built on them. */
export class Counters {
  readonly mismatches: string[] = [];

  constructor(
    private readonly stack: BenchStack,
    public delayMs: number,
  ) {}

  /** How long deferred work gets before counters are final: two legs of delay plus slack. */
  get settleMs() {
    return 2 * this.delayMs + 50;
  }

  async setDelay(delayMs: number) {
    const init = { method: "POST", body: JSON.stringify({ delayMs }) };
    await Promise.all([
      getJson(`${this.stack.neonControlUrl}/config`, init),
      getJson(`${this.stack.upstashControlUrl}/config`, init),
    ]);
    this.delayMs = delayMs;
  }

  reset() {
    return Promise.all([
      getJson(`${this.stack.neonControlUrl}/reset`, { method: "POST" }),
      getJson(`${this.stack.upstashControlUrl}/reset`, { method: "POST" }),
    ]);
  }

  /** The stack's counters and the meter's, the latter also as they stood at `at`. */
  read(at?: bigint) {
    return Promise.all([
      getJson<NeonStats>(`${this.stack.neonControlUrl}/stats`),
      getJson<UpstashStats>(`${this.stack.upstashControlUrl}/stats`),
      getJson<MeterState>(at === undefined ? this.stack.meterUrl : `${this.stack.meterUrl}?at=${at}`),
    ]);
  }

  /**
   * Lets deferred work finish: the fixed wait, then until the meter has seen nothing in flight and
   * nothing started for one poll (20 ms), so that it cannot leak into the next request's counts: a
   * chain of deferred round trips (a board rebuild) has instants with none in flight between its
   * steps. Returns the counters then.
   */
  async settle() {
    await sleep(this.settleMs);
    let quietAt: number | undefined; // round trips started by the last poll that saw none in flight
    for (let waited = 0; ; waited += 20) {
      const counts = await this.read();
      const meter = counts[2];
      const started = meter.db.started + meter.redis.started;
      const idle = meter.db.inflight === 0 && meter.redis.inflight === 0;
      if ((idle && started === quietAt) || waited >= 2000) return counts;
      quietAt = idle ? started : undefined;
      await sleep(20);
    }
  }

  /** One measured request; assumes the previous one has settled, and settles this one. */
  async measure(call: () => Promise<Answer>): Promise<{ answer: Answer; sample: Sample }> {
    const [, before] = await Promise.all([this.reset(), getJson<MeterState>(this.stack.meterUrl)]);
    const answer = await call();
    const [neonNow, upstashNow, after] = await this.read(answer.at);
    const [neon, upstash, end] = await this.settle();
    const db = after.db.completedBy - before.db.completed;
    const redis = after.redis.completedBy - before.redis.completed;
    const meteredDb = end.db.started - before.db.started;
    const meteredRedis = end.redis.started - before.redis.started;
    if (meteredDb !== neon.httpRequests || meteredRedis !== upstash.requests) {
      this.mismatches.push(
        `meter saw db ${meteredDb}/redis ${meteredRedis}, stack counted ${neon.httpRequests}/${upstash.requests}`,
      );
    }
    return {
      answer,
      sample: {
        status: answer.status,
        ms: answer.ms,
        db,
        redis,
        dbDeferred: neon.httpRequests - db,
        redisDeferred: upstash.requests - redis,
        dbAtResponse: neonNow.httpRequests,
        redisAtResponse: upstashNow.requests,
        dbQueries: neon.queries,
        redisCommands: upstash.commands,
      },
    };
  }
}

// ---------------------------------------------------------------------------------------------- stats

/** Nearest-rank percentile of an ascending list (p in 0..100). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

/** For counts: the upper median (never flatters a 1/2 split) and the range. */
export function countSummary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return { typical: Number.NaN, min: Number.NaN, max: Number.NaN };
  return {
    typical: sorted[Math.floor(sorted.length / 2)]!,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
  };
}

// ---------------------------------------------------------------------------------------------- CPU

/** utime + stime of a process, in clock ticks (/proc/<pid>/stat fields 14 and 15). */
export async function cpuTicks(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may contain spaces; fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

// --------------------------------------------------------------------------------------- throughput

/** Completed requests per second with `concurrency` clients looping for `durationMs`. */
export async function throughput(call: () => Promise<Answer>, concurrency: number, durationMs: number) {
  let ok = 0;
  let failed = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const answer = await call();
        if (answer.status >= 200 && answer.status < 300) ok++;
        else failed++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { rps: ok / seconds, ok, failed, seconds };
}
