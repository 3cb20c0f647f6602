import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/**
 * The bundle budget (the design's target): the Worker's main module at most 160 KiB gzipped. Cloudflare's own
 * limit is 3 MiB (Free) / 10 MiB (Paid) compressed; ours is about cold starts, which grow with the
 * script's size.
 */
export const BUNDLE_LIMIT_BYTES = 160 * 1024;

/** The gzipped size (zlib's default level, as wrangler reports it) of a built module. */
export function gzippedSize(path: string) {
  const raw = readFileSync(path);
  return { raw: raw.length, gzip: gzipSync(raw).length };
}

/** Builds the deploy bundle (`wrangler deploy --dry-run --outdir`) and measures its main module. */
export function buildBundle(outdir: string) {
  const wrangler = join(process.cwd(), "node_modules", "wrangler", "bin", "wrangler.js");
  const built = spawnSync(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", outdir], {
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (built.status !== 0) throw new Error(`wrangler deploy --dry-run failed\n${built.stdout}${built.stderr}`);
  return gzippedSize(join(outdir, "index.js"));
}
