/**
 * The migrations' bookkeeping, checked by `npm run lint` (no database needed):
 * - drizzle's migrator applies a migration only when its journal `when` is later than the newest
 *   applied one's (drizzle-orm/migrator: it compares `created_at`, not names), so a migration merged
 *   with an older timestamp than the last one would be skipped silently on every database that
 *   already ran the last one: each `when` must be later than the one before, in journal order;
 * - every migration in the journal has its file and its rollback (drizzle/down/<tag>.sql), and
 *   every file in drizzle/ is in the journal.
 * Prints each problem and exits 1 when there is any.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const DRIZZLE = join(resolve(import.meta.dirname, ".."), "drizzle");
const journal = JSON.parse(readFileSync(join(DRIZZLE, "meta/_journal.json"), "utf8")) as {
  entries: { idx: number; when: number; tag: string }[];
};

const problems: string[] = [];
journal.entries.forEach((entry, i) => {
  const previous = journal.entries[i - 1];
  if (entry.idx !== i) problems.push(`${entry.tag}: idx ${entry.idx}, expected ${i}`);
  if (previous && entry.when <= previous.when)
    problems.push(`${entry.tag}: when ${entry.when} is not after ${previous.tag}'s ${previous.when}`);
  if (!existsSync(join(DRIZZLE, `${entry.tag}.sql`)))
    problems.push(`${entry.tag}: no drizzle/${entry.tag}.sql`);
  if (!existsSync(join(DRIZZLE, "down", `${entry.tag}.sql`)))
    problems.push(`${entry.tag}: no rollback drizzle/down/${entry.tag}.sql`);
});
const tags = new Set(journal.entries.map((entry) => entry.tag));
for (const file of readdirSync(DRIZZLE).filter((name) => name.endsWith(".sql"))) {
  if (!tags.has(file.slice(0, -4))) problems.push(`drizzle/${file}: not in the journal`);
}

for (const problem of problems) console.error(`check-migrations: ${problem}`);
if (problems.length > 0) process.exit(1);
console.log(`check-migrations: ${journal.entries.length} migrations in order, each with its rollback`);
