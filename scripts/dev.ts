// `npm run dev`: the local edge stack (PostgreSQL or embedded PGlite behind a Neon endpoint, Redis or
// an in-memory one behind an Upstash endpoint), migrations and seed data, then `wrangler dev`.
// Every setting comes from this shell's environment first, then wrangler.toml. Ctrl-C stops it all.
import "./require-node.mjs";
import { startLocalWorker } from "./lib/local-worker.ts";
import { DEMO_ACCOUNT } from "./lib/seed.ts";
import { settingsFromEnvironment } from "./lib/worker-vars.ts";

const port = Number(process.env.PORT ?? 8787);
const pgliteDataDir = process.env.PGLITE_DATA_DIR ?? ".data/pglite";
const worker = await startLocalWorker({
  port,
  seed: true,
  output: "inherit",
  vars: settingsFromEnvironment(),
  stack: {
    databaseUrl: process.env.DATABASE_URL || undefined,
    redisUrl: process.env.REDIS_URL || undefined,
    pgliteDataDir,
    neonPort: Number(process.env.NEON_PORT ?? 0),
    upstashPort: Number(process.env.UPSTASH_PORT ?? 0),
    delayMs: Number(process.env.STACK_DELAY_MS ?? 0),
  },
});

let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  await worker.stop();
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
// npm exits on SIGTERM without passing it on; when our parent goes, we go, and take wrangler along.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop(0);
}, 500).unref();
worker.wrangler.on("exit", (code) => void stop(code ?? 0));

const { stack } = worker;
const row = (what: string, where: string) => `  ${what.padEnd(12)} ${where}`;
console.log(
  [
    "",
    "Sikdan local edge stack",
    row("API", `${worker.url}  (docs: /docs, OpenAPI: /openapi.json)`),
    row("PostgreSQL", stack.embedded.postgres ? `embedded PGlite (${pgliteDataDir})` : "DATABASE_URL"),
    row("", stack.postgresUrl.replace(/\/\/[^@]*@/, "//***@")),
    row("Neon", `${stack.neonHttpUrl}  ws://${stack.neonWsHost}`),
    row("Redis", stack.embedded.redis ? "in-memory (ioredis-mock)" : "REDIS_URL"),
    row("Upstash", stack.upstashUrl),
    row("Demo login", `${DEMO_ACCOUNT.email} / ${DEMO_ACCOUNT.password}`),
    "",
  ].join("\n"),
);
