/**
 * The database's functions (PL/pgSQL and SQL: apply_log_write, challenge_progress, …) have a
 * readable source: one file each in src/db/functions/<name>.sql, holding the current definition.
 * Migrations stay the history; this keeps the two in step.
 *
 *   npm run db:functions                  check: each source equals the last definition of its
 *                                         function in migration order (drizzle/meta/_journal.json),
 *                                         and every function a migration defines has a source
 *   npm run db:functions -- migration <name>
 *                                         after editing sources: a new migration (drizzle-kit
 *                                         generate --custom) with each changed function, and its
 *                                         down script with the definitions it replaces
 *   npm run db:functions -- sync          sources from the migrations (after a hand-written
 *                                         migration redefined a function, e.g. in a merge)
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const MIGRATIONS = join(ROOT, "drizzle");
const SOURCES = join(ROOT, "src/db/functions");

type Definition = { name: string; statement: string; comment: string; migration: string };

const CREATE = /^CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+([a-z_][a-z0-9_]*)\s*\(/gim;
const DROP = /^DROP\s+FUNCTION\s+(?:IF\s+EXISTS\s+)?([a-z_][a-z0-9_]*)/gim;

/** The comparable form: always CREATE OR REPLACE, no trailing blanks. */
const normalise = (statement: string) =>
  statement
    .replace(/^CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION/i, "CREATE OR REPLACE FUNCTION")
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .trim();

/** Every function definition (and drop) in `sql`, in order: the statement runs to its `$$;` line. */
function definitionsIn(sql: string, migration: string) {
  const found: (
    | ({ kind: "create"; at: number } & Definition)
    | { kind: "drop"; at: number; name: string }
  )[] = [];
  for (const match of sql.matchAll(CREATE)) {
    const start = match.index;
    const end = sql.indexOf("\n$$;", start);
    if (end < 0) throw new Error(`${migration}: ${match[1]} has no closing "$$;" line`);
    const before = sql.slice(0, start).split("\n").slice(0, -1);
    const comment: string[] = [];
    while (before.length > 0 && before.at(-1)!.startsWith("--") && !before.at(-1)!.startsWith("-->")) {
      comment.unshift(before.pop()!);
    }
    found.push({
      kind: "create",
      at: start,
      name: match[1]!.toLowerCase(),
      statement: normalise(sql.slice(start, end + 4)),
      comment: comment.join("\n"),
      migration,
    });
  }
  for (const match of sql.matchAll(DROP))
    found.push({ kind: "drop", at: match.index, name: match[1]!.toLowerCase() });
  return found.sort((a, b) => a.at - b.at);
}

function migrationTags(): string[] {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS, "meta/_journal.json"), "utf8")) as {
    entries: { tag: string }[];
  };
  return journal.entries.map((entry) => entry.tag);
}

/** Each function's last definition in migration order (absent when a later migration dropped it). */
function currentDefinitions(tags = migrationTags()): Map<string, Definition> {
  const current = new Map<string, Definition>();
  for (const tag of tags) {
    for (const item of definitionsIn(readFileSync(join(MIGRATIONS, `${tag}.sql`), "utf8"), tag)) {
      if (item.kind === "drop") current.delete(item.name);
      else current.set(item.name, item);
    }
  }
  return current;
}

function sources(): Map<string, { text: string; statement: string }> {
  const found = new Map<string, { text: string; statement: string }>();
  if (!existsSync(SOURCES)) return found;
  for (const file of readdirSync(SOURCES).filter((name) => name.endsWith(".sql"))) {
    const text = readFileSync(join(SOURCES, file), "utf8");
    const definitions = definitionsIn(text, file).filter((item) => item.kind === "create");
    const name = file.replace(/\.sql$/, "");
    if (definitions.length !== 1 || definitions[0]!.name !== name) {
      throw new Error(`src/db/functions/${file}: must define exactly the function ${name}`);
    }
    found.set(name, { text, statement: (definitions[0] as Definition).statement });
  }
  return found;
}

const sourceText = (definition: Definition) =>
  `${definition.comment ? `${definition.comment}\n` : ""}${definition.statement}\n`;

function check(): number {
  const current = currentDefinitions();
  const own = sources();
  const problems: string[] = [];
  for (const [name, definition] of current) {
    const source = own.get(name);
    if (!source)
      problems.push(
        `${name}: defined by drizzle/${definition.migration}.sql, no src/db/functions/${name}.sql`,
      );
    else if (source.statement !== definition.statement) {
      problems.push(
        `${name}: src/db/functions/${name}.sql differs from its last definition (drizzle/${definition.migration}.sql); ` +
          "generate a migration (npm run db:functions -- migration <name>) or, after a hand-written one, sync",
      );
    }
  }
  for (const name of own.keys()) {
    if (!current.has(name)) problems.push(`${name}: src/db/functions/${name}.sql is defined by no migration`);
  }
  for (const problem of problems) console.error(`db-functions: ${problem}`);
  if (problems.length === 0)
    console.log(`db-functions: ${own.size} functions, each as its newest migration defines it`);
  return problems.length === 0 ? 0 : 1;
}

function sync() {
  mkdirSync(SOURCES, { recursive: true });
  for (const [name, definition] of currentDefinitions()) {
    writeFileSync(join(SOURCES, `${name}.sql`), sourceText(definition));
  }
  console.log(`db-functions: sources written to src/db/functions/`);
}

/** The parameter list of a CREATE FUNCTION statement, for a DROP FUNCTION (defaults left out). */
function parametersOf(statement: string): string {
  const open = statement.indexOf("(");
  let depth = 0;
  for (let i = open; i < statement.length; i++) {
    if (statement[i] === "(") depth += 1;
    if (statement[i] === ")" && --depth === 0) {
      return statement
        .slice(open + 1, i)
        .replace(/\s+DEFAULT\s+[^,]+/gi, "")
        .replace(/\s+/g, " ")
        .trim();
    }
  }
  throw new Error("unbalanced parameter list");
}

function migration(name: string | undefined) {
  if (!name || !/^[a-z0-9_]+$/.test(name))
    throw new Error("usage: npm run db:functions -- migration <snake_case_name>");
  const current = currentDefinitions();
  const changed = [...sources()].filter(([fn, source]) => current.get(fn)?.statement !== source.statement);
  if (changed.length === 0) {
    console.log("db-functions: every source matches its migration; nothing to generate");
    return;
  }
  const before = new Set(migrationTags());
  execFileSync("npx", ["drizzle-kit", "generate", "--custom", `--name=${name}`], {
    cwd: ROOT,
    stdio: "inherit",
  });
  const tag = migrationTags().find((candidate) => !before.has(candidate));
  if (!tag) throw new Error("drizzle-kit made no migration");
  const up = changed.map(([, source]) => source.text.trim()).join("\n--> statement-breakpoint\n");
  const down = changed
    .map(([fn, source]) => {
      const previous = current.get(fn);
      return previous
        ? previous.statement
        : `DROP FUNCTION IF EXISTS ${fn}(${parametersOf(source.statement)});`;
    })
    .join("\n--> statement-breakpoint\n");
  writeFileSync(join(MIGRATIONS, `${tag}.sql`), `${up}\n`);
  writeFileSync(
    join(MIGRATIONS, "down", `${tag}.sql`),
    `-- Reverts ${tag}: the functions as they were before it.\n${down}\n`,
  );
  console.log(
    `db-functions: drizzle/${tag}.sql and drizzle/down/${tag}.sql (${changed.map(([fn]) => fn).join(", ")})`,
  );
}

const [command = "check", argument] = process.argv.slice(2);
if (command === "check") process.exit(check());
else if (command === "sync") sync();
else if (command === "migration") migration(argument);
else {
  console.error(`unknown command ${command}: check, sync or migration <name>`);
  process.exit(2);
}
