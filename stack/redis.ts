// The Redis behind the Upstash endpoint: a real server through ioredis, or an
// in-process ioredis-mock. Both are driven with generic command arrays, so
// the endpoint never needs to know a command's signature.

import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import RedisMock from "ioredis-mock";
import { KEY_LOCKING_GUARD, shebangFlags } from "./upstash-rules.ts";

export type Reply = string | number | null | Reply[];
export type Outcome = { result: Reply } | { error: string };

export interface RedisBackend {
  embedded: boolean;
  run(command: string[]): Promise<Outcome>;
  /**
   * Atomic: no other command runs between the first and the last. A transaction Redis discards
   * (a command refused while queueing: EXECABORT) is one error for the whole, none of it ran.
   */
  runAtomically(commands: string[][]): Promise<Outcome[] | { error: string }>;
  close(): Promise<void>;
}

export class RedisError extends Error {}

type Executor = (name: string, args: string[]) => Promise<unknown>;

/**
 * @upstash/ratelimit's scripts start with `#!lua flags=allow-key-locking`, an
 * Upstash-only flag: Redis 7 rejects the unknown flag ("Unexpected flag in
 * script shebang"), ioredis-mock's Lua rejects the `#` line. We replace that
 * line by one that enforces the flag's rule (only keys in KEYS; see
 * KEY_LOCKING_GUARD) or, for other shebangs, by an empty line, and keep the
 * SHA1 the SDK computed from the original text, so its EVALSHA → NOSCRIPT →
 * EVAL dance and SCRIPT LOAD both behave as on Upstash.
 */
class Scripts {
  private readonly bySha = new Map<string, string>();

  remember(original: string): { sha: string; body: string } {
    const sha = createHash("sha1").update(original).digest("hex");
    const rest = original.slice(original.indexOf("\n") + 1);
    const body = !original.startsWith("#!")
      ? original
      : shebangFlags(original).includes("allow-key-locking")
        ? `${KEY_LOCKING_GUARD}\n${rest}`
        : `\n${rest}`;
    this.bySha.set(sha, body);
    return { sha, body };
  }

  /** Rewrites script commands; `reply` means "answer this without Redis". */
  translate(command: string[]): { run: string[] } | { reply: Reply } {
    const [rawName = "", ...args] = command;
    const name = rawName.toUpperCase();
    if ((name === "EVAL" || name === "EVAL_RO") && args[0] !== undefined) {
      return { run: ["EVAL", this.remember(args[0]).body, ...args.slice(1)] };
    }
    if ((name === "EVALSHA" || name === "EVALSHA_RO") && args[0] !== undefined) {
      const body = this.bySha.get(args[0].toLowerCase());
      if (body === undefined) return { run: ["EVALSHA", ...args] };
      return { run: ["EVAL", body, ...args.slice(1)] };
    }
    if (name === "SCRIPT") {
      const sub = args[0]?.toUpperCase();
      if (sub === "LOAD" && args[1] !== undefined) return { reply: this.remember(args[1]).sha };
      if (sub === "EXISTS")
        return { reply: args.slice(1).map((sha) => (this.bySha.has(sha.toLowerCase()) ? 1 : 0)) };
      if (sub === "FLUSH") {
        this.bySha.clear();
        return { reply: "OK" };
      }
    }
    return { run: [name, ...args] };
  }
}

/** Coerces client-library replies into what Redis put on the wire. */
function normalize(value: unknown): Reply {
  if (value === null || value === undefined || value === false) return null; // Lua false → nil
  if (value === true) return 1; // Lua true → integer 1
  if (typeof value === "string" || typeof value === "number") return value;
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === "object") return Object.entries(value).flat().map(normalize); // mock's HGETALL
  return String(value);
}

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Redis errors start with an upper-case code (ERR, WRONGTYPE, NOSCRIPT…);
  // ioredis-mock's sometimes do not.
  return /^[A-Z]+ /.test(message) ? message : `ERR ${message}`;
}

/** Script translation, reply normalisation and error shaping around an executor. */
function commandRunner(execute: Executor) {
  const scripts = new Scripts();
  const run = async (command: string[]): Promise<Outcome> => {
    const step = scripts.translate(command);
    if ("reply" in step) return { result: step.reply };
    const [name = "", ...args] = step.run;
    try {
      return { result: normalize(await execute(name, args)) };
    } catch (error) {
      return { error: errorText(error) };
    }
  };
  return { scripts, run };
}

export async function startRedis(options: {
  redisUrl?: string | undefined;
  log: (line: string) => void;
}): Promise<RedisBackend> {
  if (options.redisUrl) return realRedis(options.redisUrl, options.log);
  return mockRedis();
}

async function realRedis(url: string, log: (line: string) => void): Promise<RedisBackend> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    // While Redis is down, fail each command at once (as Upstash answers when its store is gone)
    // instead of queueing it for a reconnect that may never come in time.
    enableOfflineQueue: false,
    // A stalled Redis (SIGSTOP) must not hold the endpoint's requests forever.
    commandTimeout: 5_000,
    // Reconnect every 100 ms, forever: back within a fraction of a second of Redis coming back.
    retryStrategy: () => 100,
  });
  // ioredis emits 'error' on every failed (re)connection; without a listener it prints each one.
  let down = false;
  client.on("error", (error: Error) => {
    if (!down) log(`redis: ${error.message}; reconnecting every 100 ms`);
    down = true;
  });
  client.on("ready", () => {
    if (down) log("redis: connected again");
    down = false;
  });
  await client.connect();
  // Upper-case names on purpose: ioredis keys its reply transformers (e.g.
  // HGETALL → object) by the lower-case name, and we want raw replies.
  const execute: Executor = (name, args) => client.call(name.toUpperCase(), ...args);
  const base = commandRunner(execute);
  return {
    embedded: false,
    run: base.run,
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
    async runAtomically(commands) {
      const steps = commands.map((command) => base.scripts.translate(command));
      const multi = client.multi();
      for (const step of steps) if ("run" in step) multi.call(...(step.run as [string, ...string[]]));
      let replies: Array<[Error | null, unknown]> | null;
      try {
        replies = await multi.exec();
      } catch (error) {
        // EXECABORT: a command was rejected while queueing; nothing ran.
        if (/^EXECABORT/.test((error as Error).message)) return { error: errorText(error) };
        throw error;
      }
      const queue = [...(replies ?? [])];
      return steps.map((step): Outcome => {
        if ("reply" in step) return { result: step.reply };
        const [error, value] = queue.shift() ?? [new RedisError("ERR transaction aborted"), null];
        return error ? { error: errorText(error) } : { result: normalize(value) };
      });
    },
  };
}

async function mockRedis(): Promise<RedisBackend> {
  const mock = new RedisMock();
  const methods = mock as unknown as Record<string, ((...args: string[]) => Promise<unknown>) | undefined>;
  // ioredis-mock interleaves concurrent async commands and its own MULTI
  // crashes the process on a failing command, so every command goes through
  // one queue and a transaction simply holds the queue.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  const direct: Executor = async (name, args) => {
    const method = methods[name.toLowerCase()];
    if (typeof method !== "function")
      throw new RedisError(`ERR unknown command '${name}' (not in ioredis-mock)`);
    return method.apply(mock, args);
  };
  const base = commandRunner(direct);
  return {
    embedded: true,
    run: (command) => exclusive(() => base.run(command)),
    close: async () => mock.disconnect(),
    runAtomically: (commands) =>
      exclusive(async () => {
        // Real Redis refuses an unknown command at queueing time and discards the transaction.
        const unknown = commands.find((command) => {
          const step = base.scripts.translate(command);
          return "run" in step && typeof methods[(step.run[0] ?? "").toLowerCase()] !== "function";
        });
        if (unknown) return { error: "EXECABORT Transaction discarded because of previous errors." };
        const outcomes: Outcome[] = [];
        for (const command of commands) outcomes.push(await base.run(command));
        return outcomes;
      }),
  };
}
