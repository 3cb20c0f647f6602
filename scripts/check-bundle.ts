// `npm run bundle:check` (run by .ci/run): builds the deploy bundle and fails when its main module is
// over the budget of scripts/lib/bundle.ts (160 KiB gzipped), so the bundle cannot grow past it
// unnoticed. The breakdown per package: `npx wrangler deploy --dry-run --outdir dist --metafile m.json`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUNDLE_LIMIT_BYTES, buildBundle } from "./lib/bundle.ts";

const outdir = mkdtempSync(join(tmpdir(), "sikdan-bundle-"));
try {
  const { raw, gzip } = buildBundle(outdir);
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  const verdict = gzip <= BUNDLE_LIMIT_BYTES ? "within" : "OVER";
  console.log(
    `bundle: ${kib(gzip)} gzipped (${kib(raw)} raw), ${verdict} the ${kib(BUNDLE_LIMIT_BYTES)} budget`,
  );
  if (gzip > BUNDLE_LIMIT_BYTES) process.exitCode = 1;
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
