// CI (.ci/run): proves the down scripts. On an EMPTY database at DATABASE_URL:
//   migrate → dump → roll back every migration (the schema must then be empty again) → migrate → dump,
// and the two `pg_dump --schema-only` dumps must be identical. Needs pg_dump on PATH.
import { execFileSync } from "node:child_process";
import { applyMigrations } from "./lib/migrate.ts";
import { describeDatabaseError } from "./lib/preflight.ts";
import { journal, missingDownScripts, rollbackLast } from "./lib/rollback.ts";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL (an empty database) is required");
  process.exit(1);
}
const fail = (message: string): never => {
  console.error(`rollback check: ${message}`);
  process.exit(1);
};

const missing = missingDownScripts();
if (missing.length > 0)
  fail(`no down script for ${missing.map((entry) => `drizzle/down/${entry.tag}.sql`).join(", ")}`);

const schema = () =>
  execFileSync("pg_dump", ["--schema-only", "--no-owner", "--no-privileges", url], { encoding: "utf8" })
    // pg_dump 15.x+ prints a random \restrict token per run (CVE-2025-8714): not part of the schema.
    .replace(/^\\(un)?restrict .*$/gm, "");

try {
  await applyMigrations(url);
  const migrated = schema();
  const rolledBack: string[] = [];
  for (let tag = await rollbackLast(url); tag; tag = await rollbackLast(url)) rolledBack.push(tag);
  const expected = journal()
    .map((entry) => entry.tag)
    .reverse();
  if (rolledBack.join() !== expected.join())
    fail(`rolled back ${rolledBack.join(", ")}; expected ${expected.join(", ")}`);
  const left = schema()
    .split("\n")
    .filter(
      (line) => /^CREATE (TABLE|FUNCTION|INDEX|TYPE|VIEW|SEQUENCE)/.test(line) && !line.includes("drizzle."),
    );
  if (left.length > 0) fail(`after rolling back every migration, objects remain:\n${left.join("\n")}`);
  await applyMigrations(url);
  const again = schema();
  if (again !== migrated) {
    const a = migrated.split("\n");
    const b = again.split("\n");
    const first = a.findIndex((line, i) => line !== b[i]);
    fail(
      `the schema after migrate → rollback → migrate differs from a plain migrate, from line ${first + 1}:\n- ${a[first]}\n+ ${b[first]}`,
    );
  }
  console.log(
    `rollback check: ${rolledBack.length} migrations rolled back (${rolledBack.join(", ")}); migrate → rollback all → migrate gives the same schema (${migrated.split("\n").length} lines of pg_dump --schema-only)`,
  );
} catch (err) {
  fail(describeDatabaseError(err, url));
}
