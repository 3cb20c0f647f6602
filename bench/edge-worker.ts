// The benchmark's Worker process (spawned by run.ts through scripts/lib/spawn-ready.ts): the deploy
// bundle in workerd through Miniflare, the simulator `wrangler dev` runs underneath, configured from
// wrangler.toml by wrangler's own translation (`unstable_getMiniflareWorkerOptions`: the [assets] with
// their run_worker_first routing, the R2 bucket, compatibility date and flags), with the run's vars.
//
// Why not `wrangler dev` itself: it puts a proxy in front of the Worker, a Durable Object in a second
// workerd that holds requests while a hot reload is under way, and forwards every log line through
// its own process. Neither exists in production, and on this 2-core machine they cost about 10 ms per
// request (GET /health: 14 ms through `wrangler dev`, 4 ms here; workerd alone serving a one-line
// Worker, 1 ms). run.ts still measures GET /health through `wrangler dev` as a reference row.
//
// Input: BENCH_WORKER = JSON { bundle, port, vars, logFile }. Prints `STACK_READY {"url": …}`; stops
// on SIGTERM/SIGINT or when its parent goes away.
import { appendFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

type Input = { bundle: string; port: number; vars: Record<string, string>; logFile: string };
const input = JSON.parse(process.env.BENCH_WORKER ?? "") as Input;
const root = new URL("..", import.meta.url).pathname;

const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml"));
// What the translation leaves unset or empty is dropped, and so are its module rules: the bundle is one
// ES module (Miniflare 5 refuses the v4 rules it cannot carry over).
const configured = Object.fromEntries(
  Object.entries(workerOptions).filter(
    ([name, value]) =>
      name !== "modulesRules" &&
      value !== undefined &&
      !(typeof value === "object" && value !== null && Object.keys(value).length === 0),
  ),
);

const mf = new Miniflare(
  convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: input.port,
    handleStructuredLogs: ({ level, message }) => appendFileSync(input.logFile, `[${level}] ${message}\n`),
    workers: [
      {
        ...configured,
        name: "sikdan",
        modules: true,
        scriptPath: input.bundle,
        // Module names are paths relative to the root: the bundle's own folder.
        rootPath: dirname(input.bundle),
        bindings: { ...(workerOptions.bindings ?? {}), ...input.vars },
      },
    ],
  }),
);
const url = await mf.ready;
process.stdout.write(`STACK_READY ${JSON.stringify({ url: url.origin })}\n`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await mf.dispose().catch(() => {});
  process.exit(0);
}
process.once("SIGTERM", () => void stop());
process.once("SIGINT", () => void stop());
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop();
}, 500).unref();
