// `npm run dev`: checks every setting first (exits at once naming each bad or missing one), then the
// local edge stack (PostgreSQL or embedded PGlite behind a Neon endpoint, Redis or an in-memory one
// behind an Upstash endpoint), migrations and seed data, then `wrangler dev`. Every setting comes from
// this shell's environment first, then wrangler.toml. Ctrl-C stops it all.
import "./require-node.mjs";
import { devSettings } from "./lib/dev-config.ts";
import { checkServices, portInUse } from "./lib/preflight.ts";
import { localJwtSecret } from "./lib/worker-vars.ts";

const fail = (lines: string[]): never => {
  console.error(["npm run dev: cannot start", ...lines.map((line) => `  - ${line}`)].join("\n"));
  console.error("Settings are read from this shell, then wrangler.toml; see .dev.vars.example.");
  process.exit(1);
};

// Everything that can be checked without starting anything, before loading the stack's modules.
const { settings, problems } = devSettings(process.env, localJwtSecret);
if (problems.length > 0) fail(problems);
const [unavailable, busy] = await Promise.all([checkServices(process.env), portInUse(settings.port)]);
if (busy) unavailable.push(`PORT ${settings.port} is already in use: set PORT to a free one`);
if (unavailable.length > 0) fail(unavailable);

const { startLocalWorker } = await import("./lib/local-worker.ts");
const { DEMO_ACCOUNT } = await import("./lib/seed.ts");
const url = `http://localhost:${settings.port}`;
const row = (what: string, where: string) => `  ${what.padEnd(12)} ${where}`;

const worker = await startLocalWorker({
  port: settings.port,
  seed: true,
  output: "inherit",
  vars: settings.vars,
  stack: {
    databaseUrl: settings.databaseUrl,
    redisUrl: settings.redisUrl,
    pgliteDataDir: settings.pgliteDataDir,
    neonPort: settings.neonPort,
    upstashPort: settings.upstashPort,
    delayMs: settings.delayMs,
    // The stand-in unless a real Open Food Facts is named (OPENFOODFACTS_URL, passed on in vars).
    openFoodFacts: settings.vars.OPENFOODFACTS_URL === undefined,
  },
  onStackReady: (stack) =>
    console.log(
      [
        "",
        "Sikdan local edge stack",
        row("API", `${url}  (docs: /docs, OpenAPI: /openapi.json) once wrangler says Ready`),
        row(
          "PostgreSQL",
          stack.embedded.postgres ? `embedded PGlite (${settings.pgliteDataDir})` : "DATABASE_URL",
        ),
        row("", stack.postgresUrl.replace(/\/\/[^@]*@/, "//***@")),
        row("Neon", stack.neonHttpUrl),
        row("Redis", stack.embedded.redis ? "in-memory (ioredis-mock)" : "REDIS_URL"),
        row("Upstash", stack.upstashUrl),
        row("OpenFoodFacts", stack.openFoodFactsUrl ?? `${settings.vars.OPENFOODFACTS_URL}`),
        row("Demo login", `${DEMO_ACCOUNT.email} / ${DEMO_ACCOUNT.password}`),
        "Starting wrangler dev…",
        "",
      ].join("\n"),
    ),
}).catch((err: unknown) => fail([err instanceof Error ? err.message.split("\n")[0]! : String(err)]));

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
console.log(`\nSikdan API ready on ${url}`);
