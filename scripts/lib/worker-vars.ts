import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

/** Settings the Worker reads (src/config.ts `Bindings`) that a developer may override from the shell. */
export const WORKER_SETTINGS = [
  "JWT_SECRET",
  "JWT_SECRET_PREVIOUS",
  "PASSWORD_SALT_SECRET",
  "JWT_ISSUER",
  "JWT_AUDIENCE",
  "CORS_ORIGINS",
  "RATE_LIMIT_LOGIN_FAILURES",
  "RATE_LIMIT_AUTH_PER_IP",
  "RATE_LIMIT_SIGNUPS_PER_IP",
  "RATE_LIMIT_WRITES_PER_USER",
  "RATE_LIMIT_PER_IP",
  "DB_TIMEOUT_MS",
  "CACHE_TIMEOUT_MS",
  "LOG_LEVEL",
  "EDGE_TIMEZONE_GUESS",
  "OPENFOODFACTS_URL",
] as const;

/** The Neon driver needs a well-formed URL; the local endpoint ignores its host and credentials. */
export const LOCAL_DATABASE_URL = "postgres://sikdan:sikdan@db.sikdan.localhost/sikdan";

/**
 * A JWT secret for local development, kept in .data/ so sessions survive a restart of `npm run dev`.
 */
export function localJwtSecret(dataDir = ".data"): string {
  const file = `${dataDir}/dev-jwt-secret`;
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** The settings from this process's environment that should override wrangler.toml's `[vars]`. */
export function settingsFromEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const name of WORKER_SETTINGS) {
    const value = env[name];
    if (value !== undefined && value !== "") settings[name] = value;
  }
  return settings;
}

/**
 * The `[vars]` table of wrangler.toml. A reader for that one table's `NAME = "value"` lines (what
 * this file holds), not a TOML parser: importing wrangler's own reader takes seconds.
 */
export function wranglerTomlVars(path = "wrangler.toml"): Record<string, string> {
  const vars: Record<string, string> = {};
  let inVars = false;
  for (const raw of readFileSync(path, "utf8").split("\n")) {
    const line = raw.trim();
    if (line.startsWith("[")) {
      inVars = line === "[vars]";
      continue;
    }
    const match = inVars
      ? /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*')\s*(#.*)?$/.exec(line)
      : null;
    if (!match?.[1] || !match[2]) continue;
    const quoted = match[2];
    vars[match[1]] = quoted.startsWith('"') ? JSON.parse(quoted) : quoted.slice(1, -1);
  }
  return vars;
}
