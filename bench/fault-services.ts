// A private PostgreSQL 15 and Redis for the fault harness (bench/faults.ts): started in a temp
// directory on loopback ports of their own, so killing, stalling and restarting them never touches
// anyone else's servers. Everything here stops with `stop()`.
import {
  type ChildProcess,
  type ExecFileSyncOptionsWithStringEncoding,
  execFileSync,
  spawn,
} from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";

const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

/** initdb refuses to run as root: then every PostgreSQL command runs as the `postgres` user. */
function runAsPostgres(command: string[]): string {
  const quoted = command.map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(" ");
  const options: ExecFileSyncOptionsWithStringEncoding = {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  };
  if (process.getuid?.() === 0) return execFileSync("su", ["postgres", "-c", quoted], options);
  return execFileSync(command[0]!, command.slice(1), options);
}

export class PrivatePostgres {
  readonly dir = mkdtempSync(join(tmpdir(), "sikdan-faults-pg-"));
  readonly url: string;

  constructor(readonly port: number) {
    this.url = `postgres://postgres@127.0.0.1:${port}/sikdan_faults`;
    if (process.getuid?.() === 0)
      chownSync(this.dir, Number(execFileSync("id", ["-u", "postgres"]).toString()), 0);
  }

  async init(): Promise<void> {
    runAsPostgres([
      `${PG_BIN}/initdb`,
      "-D",
      join(this.dir, "data"),
      "-U",
      "postgres",
      "--auth=trust",
      "-E",
      "UTF8",
    ]);
    await this.start();
    const admin = new pg.Client({ connectionString: this.url.replace(/sikdan_faults$/, "postgres") });
    await admin.connect();
    await admin.query("create database sikdan_faults");
    await admin.end();
  }

  /** Starts the server (retrying while the previous postmaster's children are still exiting). */
  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    for (let attempt = 0; ; attempt++) {
      try {
        runAsPostgres([
          `${PG_BIN}/pg_ctl`,
          "-D",
          join(this.dir, "data"),
          "-o",
          options,
          "-l",
          join(this.dir, "log"),
          "-w",
          "start",
        ]);
        return;
      } catch (error) {
        if (attempt >= 40) throw error;
        await sleep(250);
      }
    }
  }

  /** SIGKILL to the postmaster: a crash, not a shutdown. */
  crash(): number {
    const pid = Number(readFileSync(join(this.dir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
    process.kill(pid, "SIGKILL");
    return pid;
  }

  /** Resolves when a connection and a query succeed; returns the time it did. */
  async waitReady(timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 500 });
      client.on("error", () => {});
      try {
        await client.connect();
        await client.query("select 1");
        await client.end();
        return performance.now();
      } catch {
        await client.end().catch(() => {});
        if (Date.now() > deadline) throw new Error("PostgreSQL did not come back");
        await sleep(20);
      }
    }
  }

  stop(): void {
    if (existsSync(join(this.dir, "data", "postmaster.pid"))) {
      try {
        runAsPostgres([`${PG_BIN}/pg_ctl`, "-D", join(this.dir, "data"), "-m", "immediate", "stop"]);
      } catch {}
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class PrivateRedis {
  private child: ChildProcess | undefined;
  readonly url: string;

  constructor(readonly port: number) {
    this.url = `redis://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      "redis-server",
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: "ignore" },
    );
    this.child = child;
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        const reply = execFileSync("redis-cli", ["-p", String(this.port), "ping"], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "ignore"],
        });
        if (reply.trim() === "PONG") return;
      } catch {}
      await sleep(50);
    }
    throw new Error("redis-server did not start");
  }

  /** SIGKILL: every key is gone with it (no persistence), as after a crash of a cache. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  /** SIGSTOP / SIGCONT: Redis keeps its data and its sockets but answers nothing meanwhile. */
  pause(): void {
    this.child?.kill("SIGSTOP");
  }

  resume(): void {
    this.child?.kill("SIGCONT");
  }

  async stop(): Promise<void> {
    this.resume();
    await this.kill();
  }
}
