import { existsSync, readFileSync } from "node:fs";
import pg from "pg";
import { MIGRATIONS_FOLDER } from "./migrate.ts";

/**
 * Rollback of drizzle/'s migrations. Each migration `drizzle/<tag>.sql` has its down script at
 * `drizzle/down/<tag>.sql` (the repository's convention). drizzle's migrator records what it applied in
 * `drizzle.__drizzle_migrations` (hash, created_at = the journal's `when`) and applies every journal
 * entry newer than the newest row: so a rollback runs the down script and deletes that row, in one
 * transaction, and the next `npm run db:migrate` applies the migration again.
 */
type JournalEntry = { idx: number; when: number; tag: string };

export const journal = (): JournalEntry[] =>
  JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, "utf8")).entries;

export const downScriptPath = (tag: string) => `${MIGRATIONS_FOLDER}/down/${tag}.sql`;

/** Journal entries without a down script (a check of the convention). */
export const missingDownScripts = () => journal().filter((entry) => !existsSync(downScriptPath(entry.tag)));

/** Reverts the newest applied migration; its tag, or undefined when none is applied. */
export async function rollbackLast(databaseUrl: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const table = await client.query("select to_regclass('drizzle.__drizzle_migrations') as name");
    if (!table.rows[0]?.name) return undefined;
    const { rows } = await client.query<{ id: number; created_at: string }>(
      "select id, created_at from drizzle.__drizzle_migrations order by created_at desc limit 1",
    );
    const applied = rows[0];
    if (!applied) return undefined;
    const entry = journal().find((candidate) => candidate.when === Number(applied.created_at));
    if (!entry) {
      throw new Error(
        `the newest applied migration (created_at ${applied.created_at}) is not in drizzle/meta/_journal.json`,
      );
    }
    if (!existsSync(downScriptPath(entry.tag))) {
      throw new Error(`no down script for ${entry.tag}: write drizzle/down/${entry.tag}.sql`);
    }
    await client.query("begin");
    try {
      await client.query(readFileSync(downScriptPath(entry.tag), "utf8"));
      await client.query("delete from drizzle.__drizzle_migrations where id = $1", [applied.id]);
      await client.query("commit");
    } catch (err) {
      await client.query("rollback");
      throw err;
    }
    return entry.tag;
  } finally {
    await client.end();
  }
}
