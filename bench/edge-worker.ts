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
// Two doors into the same Worker:
// - `url`, Miniflare's entry Worker: what `wrangler dev` serves. It stands in for Cloudflare's front
//   line (request.cf, CF-Connecting-IP, gzip/brotli of the response, pretty error pages) as one more
//   JavaScript Worker the request passes through on the way in and out.
// - `directUrl`, a socket straight to the Worker's own service (Miniflare's `unsafeDirectSockets`),
//   still behind the asset router of [assets]. The benchmark measures through this one: production
//   runs the front line on Cloudflare's machines, not in the Worker's isolate, and the entry Worker
//   cost 1 to 2 ms per request here (GET /health 2.9-4.7 ms through it, 1.7-2.5 ms direct; measured
//   2026-11-30, 200 sequential requests each). The client sends CF-Connecting-IP itself, as the
//   front line would. run.ts keeps GET /health through the entry Worker as a reference row.
//
// Input: BENCH_WORKER = JSON { bundle, port, directPort, vars, logFile }. Prints
// `STACK_READY {"url": …, "directUrl": …}`; stops on SIGTERM/SIGINT or when its parent goes away.
import { appendFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

type Input = {
  bundle: string;
  port: number;
  directPort: number;
  vars: Record<string, string>;
  logFile: string;
};
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
        unsafeDirectSockets: [{ host: "127.0.0.1", port: input.directPort }],
      },
    ],
  }),
);
const url = await mf.ready;
const directUrl = await mf.unsafeGetDirectURL("sikdan");
process.stdout.write(`STACK_READY ${JSON.stringify({ url: url.origin, directUrl: directUrl.origin })}\n`);

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
