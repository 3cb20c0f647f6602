import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Stack, type StackOptions, startStack } from "../../stack/index.ts";
import { applyMigrations } from "./migrate.ts";
import { seed } from "./seed.ts";
import { LOCAL_DATABASE_URL, localJwtSecret } from "./worker-vars.ts";

export type LocalWorker = {
  url: string;
  stack: Stack;
  /** The workerd process serving the Worker (for CPU measurements). */
  wrangler: ChildProcess;
  stop(): Promise<void>;
};

export type LocalWorkerOptions = {
  port: number;
  stack?: StackOptions;
  /** Bindings over wrangler.toml's `[vars]`, after the stack's own. */
  vars?: Record<string, string>;
  seed?: boolean;
  /** `inherit` shows wrangler's output (npm run dev); `ignore` keeps a runner's output clean. */
  output?: "inherit" | "ignore";
  readyTimeoutMs?: number;
  /** Called once the stack runs and before wrangler starts (npm run dev prints what runs where). */
  onStackReady?: (stack: Stack) => void;
};

/**
 * The Worker's settings as a dotenv file in a directory only this user can read, for wrangler's
 * `--env-file`: secrets never appear on a command line (`ps` shows every process's arguments).
 */
function writeEnvFile(vars: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), "sikdan-dev-")); // mode 0700
  const file = join(dir, "worker.env");
  const quote = (value: string) => (value.includes("'") ? JSON.stringify(value) : `'${value}'`);
  const lines = Object.entries(vars).map(([name, value]) => `${name}=${quote(value)}`);
  writeFileSync(file, `${lines.join("\n")}\n`, { mode: 0o600 });
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The Worker as `wrangler dev` serves it, in front of the local edge stack with migrations applied:
 * what `npm run dev`, the benchmark and the browser suite all run. `stop()` ends every process.
 */
export async function startLocalWorker(options: LocalWorkerOptions): Promise<LocalWorker> {
  const stack = await startStack(options.stack);
  let wrangler: ChildProcess | undefined;
  let envFile: ReturnType<typeof writeEnvFile> | undefined;
  const stop = async () => {
    if (wrangler && wrangler.exitCode === null && wrangler.signalCode === null) {
      const exited = new Promise((resolve) => wrangler?.once("exit", resolve));
      wrangler.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (wrangler.exitCode === null && wrangler.signalCode === null) wrangler.kill("SIGKILL");
    }
    envFile?.remove();
    await stack.stop();
  };
  try {
    await applyMigrations(stack.postgresUrl);
    if (options.seed) await seed(stack.postgresUrl);
    const vars: Record<string, string> = {
      DATABASE_URL: LOCAL_DATABASE_URL,
      NEON_FETCH_ENDPOINT: stack.neonHttpUrl,
      UPSTASH_REDIS_REST_URL: stack.upstashUrl,
      UPSTASH_REDIS_REST_TOKEN: stack.upstashToken,
      JWT_SECRET: localJwtSecret(),
      // wrangler dev's request.cf is a placeholder (Austin, Texas): no guess of the user's zone.
      EDGE_TIMEZONE_GUESS: "off",
      ...(stack.openFoodFactsUrl ? { OPENFOODFACTS_URL: stack.openFoodFactsUrl } : {}),
      ...options.vars,
    };
    options.onStackReady?.(stack);
    envFile = writeEnvFile(vars);
    wrangler = spawn(
      "wrangler",
      [
        "dev",
        "--port",
        String(options.port),
        "--ip",
        "localhost",
        "--show-interactive-dev-session=false",
        "--env-file",
        envFile.file,
      ],
      {
        stdio: ["ignore", options.output ?? "inherit", options.output ?? "inherit"],
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
      },
    );
    const url = `http://localhost:${options.port}`;
    await waitForHealth(url, wrangler, options.readyTimeoutMs ?? 60_000);
    return { url, stack, wrangler, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the Worker did not answer ${url}/health within ${timeoutMs} ms`);
}
