import { existsSync } from "node:fs";
import { configProblems } from "../../src/config.ts";
import {
  LOCAL_DATABASE_URL,
  settingsFromEnvironment,
  WORKER_SETTINGS,
  wranglerTomlVars,
} from "./worker-vars.ts";

/**
 * What `npm run dev` checks before it starts anything: its own settings (ports, the services' URLs)
 * and the Worker's, merged as wrangler will see them (wrangler.toml `[vars]`, then this shell), with
 * src/config.ts's own rules. Each problem names the setting and where its value came from.
 */
export type DevSettings = {
  port: number;
  neonPort: number;
  upstashPort: number;
  delayMs: number;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  pgliteDataDir: string;
  /** Worker settings from the shell, over wrangler.toml's `[vars]`. */
  vars: Record<string, string>;
};

const port = (name: string, value: string | undefined, fallback: number, min: number, problems: string[]) => {
  if (value === undefined || value === "") return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > 65535) {
    problems.push(`${name}=${value} must be a port number (${min}..65535)`);
  }
  return number;
};

const urlProblem = (name: string, value: string, protocols: RegExp, example: string) => {
  try {
    if (protocols.test(new URL(value).protocol)) return undefined;
  } catch {}
  return `${name} must be a URL like ${example}`;
};

/** The settings of `npm run dev`, or every problem with them. */
export function devSettings(
  env: NodeJS.ProcessEnv,
  jwtSecret: () => string,
): { settings: DevSettings; problems: string[] } {
  const problems: string[] = [];
  const settings: DevSettings = {
    port: port("PORT", env.PORT, 8787, 1, problems),
    neonPort: port("NEON_PORT", env.NEON_PORT, 0, 0, problems),
    upstashPort: port("UPSTASH_PORT", env.UPSTASH_PORT, 0, 0, problems),
    delayMs: Number(env.STACK_DELAY_MS ?? 0),
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    pgliteDataDir: env.PGLITE_DATA_DIR ?? ".data/pglite",
    vars: settingsFromEnvironment(env),
  };
  if (!Number.isFinite(settings.delayMs) || settings.delayMs < 0) {
    problems.push(`STACK_DELAY_MS=${env.STACK_DELAY_MS} must be a number of milliseconds ≥ 0`);
  }
  if (settings.databaseUrl) {
    const problem = urlProblem(
      "DATABASE_URL",
      settings.databaseUrl,
      /^postgres(ql)?:$/,
      "postgres://user@host:5432/db",
    );
    if (problem) problems.push(problem);
  }
  if (settings.redisUrl) {
    const problem = urlProblem("REDIS_URL", settings.redisUrl, /^rediss?:$/, "redis://127.0.0.1:6379");
    if (problem) problems.push(problem);
  }
  if (!existsSync("wrangler.toml")) {
    problems.push("wrangler.toml not found: run npm run dev from the repository's root");
    return { settings, problems };
  }
  const toml = wranglerTomlVars();
  // The Worker's view: wrangler.toml, the stack's endpoints (known once it runs; well-formed here),
  // the development JWT secret, then this shell.
  const workerEnv = {
    ...toml,
    DATABASE_URL: LOCAL_DATABASE_URL,
    NEON_FETCH_ENDPOINT: "http://127.0.0.1:1/sql",
    UPSTASH_REDIS_REST_URL: "http://127.0.0.1:1",
    UPSTASH_REDIS_REST_TOKEN: "local",
    JWT_SECRET: settings.vars.JWT_SECRET ?? jwtSecret(),
    ...settings.vars,
  };
  const origin = (name: string) =>
    name in settings.vars ? "from your shell" : name in toml ? "from wrangler.toml [vars]" : "";
  for (const problem of configProblems(workerEnv)) {
    const name = problem.split(" ")[0] ?? "";
    const from = (WORKER_SETTINGS as readonly string[]).includes(name) ? origin(name) : "";
    problems.push(from ? `${name} (${from}) ${problem.slice(name.length + 1)}` : problem);
  }
  return { settings, problems };
}
