// bench/results/scale.json and scale.md of `npm run bench:scale` (a smoke run writes to the temp
// directory, so CI never overwrites the measured numbers).
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import type pg from "pg";
import type { BackgroundResult } from "./scale-background.ts";
import type { StatementResult } from "./scale-measure.ts";

export type IndexSize = { table: string; index: string; mb: number };

/** Sizes of the tables and indexes of the big tables. */
export async function indexSizes(client: pg.Client): Promise<{ tables: IndexSize[]; indexes: IndexSize[] }> {
  const { rows: indexes } = await client.query<IndexSize>(`
    select t.relname as table, i.relname as index, round(pg_relation_size(i.oid) / 1048576.0, 1)::float8 as mb
    from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
    where t.relnamespace = 'public'::regnamespace and t.relname <> 'bench_user_tiers'
      and pg_relation_size(i.oid) > 1048576
    order by pg_relation_size(i.oid) desc`);
  const { rows: tables } = await client.query<IndexSize>(`
    select relname as table, '' as index, round(pg_relation_size(oid) / 1048576.0, 1)::float8 as mb
    from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' and relname <> 'bench_user_tiers'
      and pg_relation_size(oid) > 1048576
    order by pg_relation_size(oid) desc`);
  return { tables, indexes };
}

type Result = {
  machine: { cpus: string; memoryGiB: number; postgres: string; settings: string[]; loadAverage: string[] };
  smoke: boolean;
  dataset: {
    users: number;
    logs: number;
    challenges: number;
    challengeParticipants: number;
    bigChallengeParticipants: number;
    foods: number;
    customFoods: number;
    logsWithItems: number;
    foodsGeneratedSeconds: number;
    generatedSeconds: number;
    reusedDataset: boolean;
  };
  statements: StatementResult[];
  background: BackgroundResult[];
  indexes: { tables: IndexSize[]; indexes: IndexSize[] };
};

const fmt = (n: number) => n.toLocaleString("en-US");

export function writeReport(result: Result, smoke: boolean) {
  const base = smoke
    ? `${tmpdir()}/sikdan-scale-smoke`
    : new URL("./results/scale", import.meta.url).pathname;
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  const d = result.dataset;
  const lines = [
    `# Scale benchmark${smoke ? " (smoke size)" : ""}`,
    "",
    `Machine: ${result.machine.cpus}, ${result.machine.memoryGiB} GiB, shared with other work (load average at the end ${result.machine.loadAverage.join(" / ")}); ${result.machine.postgres.split(" on ")[0]} (${result.machine.settings.join(", ")}).`,
    "",
    `Dataset: ${fmt(d.users)} users, ${fmt(d.logs)} meal logs, ${fmt(d.challenges)} challenges, ${fmt(d.challengeParticipants)} participations (${fmt(d.bigChallengeParticipants)} in the big official challenge); generated in ${d.generatedSeconds} s${d.reusedDataset ? " (by an earlier run: this one reused it, after putting back what that run's background work had consumed)" : ""}.`,
    "",
    `Foods: ${fmt(d.foods)} (${fmt(d.customFoods)} custom foods of ${fmt(d.customFoods / 30)} heavy and three-year users, the rest Open Food Facts products), with their word index; ${fmt(d.logsWithItems)} logs of the heavy users' last 90 days hold item snapshots of them; generated in ${d.foodsGeneratedSeconds} s.`,
    "",
    "## Per-request statements",
    "",
    "Database time per request: for every statement the request sends, the server's executor time (auto_explain) plus its planning time (EXPLAIN of the same text and parameters), plus what the transaction defers to its commit (the rank counts' flush: `set constraints all immediate` at the end of each batch, timed by the client less its idle round trip); warm, varied parameters. How: the Worker's own service functions run in Node with the Worker's Neon HTTP driver, whose HTTP hop is answered in-process over one pg connection (bench/scale-driver.ts), so the SQL is exactly what the Worker sends. Writes are rolled back after each sample (the dataset stays as generated), except login/refresh.",
    "",
    "| statement | samples | statements | p50 ms | p95 ms | max ms | seq scans |",
    "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ...result.statements.map(
      (s) =>
        `| ${s.name} | ${s.samples} | ${s.statements} | ${s.p50Ms} | ${s.p95Ms}${s.p95Ms > 10 ? " ⚠" : ""} | ${s.maxMs} | ${s.seqScans.join(", ") || "none"} |`,
    ),
    "",
    "## Background work",
    "",
    "| work | items | chunks / statements | longest statement ms | total statement ms | invocations | wall ms |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...result.background.map(
      (b) =>
        `| ${b.name} | ${fmt(b.items)} | ${fmt(b.chunks)} | ${b.longestStatementMs}${b.longestStatementMs > 1000 ? " ⚠" : ""} | ${fmt(b.totalMs)} | ${b.invocations ?? "-"} | ${fmt(b.wallMs)} |`,
    ),
    "",
    "Slowest statement of each:",
    "",
    ...result.background.map((b) => `- ${b.name}: \`${b.longestStatement}…\``),
    "",
    "## Sizes (MiB)",
    "",
    "| table | index | MiB |",
    "| --- | --- | ---: |",
    ...result.indexes.tables.map((t) => `| ${t.table} | (table) | ${t.mb} |`),
    ...result.indexes.indexes.map((i) => `| ${i.table} | ${i.index} | ${i.mb} |`),
    "",
    "## Plans (typical sample, heaviest statement; nodes that read tables)",
    "",
    ...result.statements.flatMap((s) => [`### ${s.name}`, "", "```", s.plan, "```", ""]),
  ];
  writeFileSync(`${base}.md`, `${lines.join("\n")}\n`);
  return base;
}
