// `npm run dev`: the local edge stack (PostgreSQL or embedded PGlite behind a Neon endpoint, Redis or
// an in-memory one behind an Upstash endpoint), migrations and seed data, then `wrangler dev`.
// Every setting comes from this shell's environment first, then wrangler.toml. Ctrl-C stops it all.
import "./require-node.mjs";
import { type ChildProcess, spawn } from "node:child_process";
import { startStack } from "../stack";
import { applyMigrations } from "./lib/migrate";
import { DEMO_ACCOUNT, seed } from "./lib/seed";
import { LOCAL_DATABASE_URL, localJwtSecret, settingsFromEnvironment } from "./lib/worker-vars";

const port = Number(process.env.PORT ?? 8787);
const stack = await startStack({
  databaseUrl: process.env.DATABASE_URL || undefined,
  redisUrl: process.env.REDIS_URL || undefined,
  pgliteDataDir: process.env.PGLITE_DATA_DIR ?? ".data/pglite",
  neonPort: Number(process.env.NEON_PORT ?? 0),
  upstashPort: Number(process.env.UPSTASH_PORT ?? 0),
  delayMs: Number(process.env.STACK_DELAY_MS ?? 0),
});

let wrangler: ChildProcess | undefined;
let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  if (wrangler && wrangler.exitCode === null) {
    const exited = new Promise((resolve) => wrangler?.once("exit", resolve));
    wrangler.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (wrangler.exitCode === null) wrangler.kill("SIGKILL");
  }
  await stack.stop();
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
// npm exits on SIGTERM without passing it on; when our parent goes, we go, and take wrangler along.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop(0);
}, 500).unref();

try {
  await applyMigrations(stack.postgresUrl);
  await seed(stack.postgresUrl);
} catch (err) {
  console.error("could not prepare the database:", err);
  await stop(1);
}

const vars: Record<string, string> = {
  DATABASE_URL: LOCAL_DATABASE_URL,
  NEON_FETCH_ENDPOINT: stack.neonHttpUrl,
  UPSTASH_REDIS_REST_URL: stack.upstashUrl,
  UPSTASH_REDIS_REST_TOKEN: stack.upstashToken,
  JWT_SECRET: localJwtSecret(),
  ...settingsFromEnvironment(),
};

const row = (what: string, where: string) => `  ${what.padEnd(12)} ${where}`;
console.log(
  [
    "",
    "Sikdan local edge stack",
    row("API", `http://localhost:${port}  (docs: /docs, OpenAPI: /openapi.json)`),
    row(
      "PostgreSQL",
      stack.embedded.postgres
        ? `embedded PGlite (${process.env.PGLITE_DATA_DIR ?? ".data/pglite"})`
        : "DATABASE_URL",
    ),
    row("", `${stack.postgresUrl.replace(/\/\/[^@]*@/, "//***@")}`),
    row("Neon", `${stack.neonHttpUrl}  ws://${stack.neonWsHost}`),
    row("Redis", stack.embedded.redis ? "in-memory (ioredis-mock)" : "REDIS_URL"),
    row("Upstash", stack.upstashUrl),
    row("Demo login", `${DEMO_ACCOUNT.email} / ${DEMO_ACCOUNT.password}`),
    "",
  ].join("\n"),
);

wrangler = spawn(
  "wrangler",
  [
    "dev",
    "--port",
    String(port),
    "--show-interactive-dev-session=false",
    ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
  ],
  {
    stdio: "inherit",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  },
);
wrangler.on("exit", (code) => void stop(code ?? 0));
