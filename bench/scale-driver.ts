// The database side of `npm run bench:scale`: the Worker's own code (src/db/client.ts createDb, the
// Neon HTTP driver, drizzle, the services) runs unchanged in Node; only the HTTP hop is replaced by
// an in-process answer in Neon's protocol (as stack/neon-http.ts answers it) over ONE pg connection
// on which auto_explain reports every statement's executor time and plan. So each measured statement
// is exactly the SQL text and parameters the Worker sends, and its time is the server's, not the
// client's (the machine is shared: wall time would measure the neighbours).
import pg from "pg";
import { queryFailure } from "../stack/neon-rules.ts";

/** The endpoint the Worker's Neon driver is pointed at; nothing listens there, fetch() is intercepted. */
export const BENCH_NEON_ENDPOINT = "http://neon.scale-bench.invalid/sql";

/**
 * How the run that stands for a batch's deferred triggers (run at its end by `set constraints all
 * immediate`) is shown: this, then the batch's first statement, by which the background report also
 * tells which task it belongs to.
 */
const AT_COMMIT = "-- deferred triggers at commit of:";

/** One statement as the server ran it. */
export type StatementRun = {
  /** The round trip (batch or single query) it was part of, numbered from the start. */
  batch: number;
  sql: string;
  params: unknown[];
  /** Executor time (auto_explain) + planning time (EXPLAIN of the same text and parameters). */
  executionMs: number;
  planningMs: number;
  /** auto_explain's JSON plans: the statement's own, then those of statements run inside functions. */
  plan: PlanNode | undefined;
  nested: { sql: string; plan: PlanNode }[];
  /** True for the batch's deferred triggers, not a statement it sent (not counted as one). */
  deferred?: true;
};

export type PlanNode = {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  "Actual Total Time"?: number;
  "Shared Hit Blocks"?: number;
  "Shared Read Blocks"?: number;
  Plans?: PlanNode[];
  [key: string]: unknown;
};

type Input = { query: string; params?: unknown[] };

const RAW_TEXT = { getTypeParser: () => (value: string) => value };

export type MeteredDatabase = {
  client: pg.Client;
  /** Statements run since the last `take()` (and forgets them). */
  take(): StatementRun[];
  /** When true, every batch and query is rolled back instead of committed (the dataset stays as generated). */
  rollback: boolean;
  /**
   * When true, auto_explain instruments every plan node (ANALYZE, BUFFERS) and reports the statements
   * run inside functions too: the plans. That costs time (per-node clocks, and a nested statement's
   * report is written inside its caller's run), so times are taken with it off: then only the
   * statement's own executor time is measured, and its plan is the planner's (no actual rows).
   */
  analyze: boolean;
  close(): Promise<void>;
};

export async function meteredDatabase(databaseUrl: string): Promise<MeteredDatabase> {
  const client = new pg.Client({ connectionString: databaseUrl, options: "-c TimeZone=UTC" });
  await client.connect();
  const notices: string[] = [];
  // The server's own duration of a utility statement (log_min_duration_statement, sent to this
  // client at level LOG): how the deferred triggers run by `set constraints all immediate` are timed.
  const durations: string[] = [];
  client.on("notice", (notice) => {
    if (!notice.message?.startsWith("duration:")) return;
    if (/^duration: [\d.]+ ms\s+statement:/.test(notice.message)) durations.push(notice.message);
    else notices.push(notice.message);
  });
  await client.query(`
    set client_min_messages = log;
    load 'auto_explain';
    set auto_explain.log_min_duration = 0;
    set auto_explain.log_format = json;
    set auto_explain.log_level = notice;
    set auto_explain.log_nested_statements = on;
    set auto_explain.log_analyze = on;
    set auto_explain.log_buffers = on;
    set auto_explain.log_timing = on;`);
  let runs: StatementRun[] = [];
  const metered: MeteredDatabase = {
    client,
    rollback: true,
    analyze: true,
    take() {
      const taken = runs;
      runs = [];
      return taken;
    },
    close: () => client.end(),
  };
  let analyzing = true;
  let batches = 0;
  async function setAnalyze(on: boolean) {
    if (on === analyzing) return;
    analyzing = on;
    await client.query(
      `set auto_explain.log_analyze = ${on}; set auto_explain.log_buffers = ${on}; set auto_explain.log_nested_statements = ${on}`,
    );
  }

  /** Runs the statements in one transaction; then matches auto_explain's reports to them. */
  async function runBatch(inputs: Input[], arrayMode: boolean) {
    await setAnalyze(metered.analyze);
    notices.length = 0;
    const results = [];
    let failure: unknown;
    await client.query("begin");
    try {
      for (const input of inputs) {
        const config = { text: input.query, values: input.params ?? [], types: RAW_TEXT };
        const result = arrayMode
          ? await client.query({ ...config, rowMode: "array" })
          : await client.query(config);
        results.push({
          fields: result.fields.map((field) => ({ ...field, format: "text" })),
          command: result.command,
          rowCount: result.rowCount,
          rows: result.rows,
          rowAsArray: arrayMode,
        });
      }
    } catch (error) {
      failure = error;
    }
    // What the transaction defers to its commit (the rank counts' flush, drizzle/0021 and 0022) runs
    // here, timed, so that a batch measured and then rolled back still pays for it.
    let deferredMs = 0;
    if (!failure) {
      await client.query("set log_min_duration_statement = 0");
      await client.query("set constraints all immediate").catch((error: unknown) => {
        failure = error;
      });
      await client.query("set log_min_duration_statement = -1");
      deferredMs = deferredDuration(durations.splice(0));
    }
    await client.query(failure || metered.rollback ? "rollback" : "commit");
    const reports = notices.splice(0).map(parseNotice);
    const batchRuns: StatementRun[] = [];
    const batch = batches++;
    let nested: StatementRun["nested"] = [];
    for (const report of reports) {
      // A statement's own report comes after those of the statements it ran inside functions.
      const input = inputs[batchRuns.length];
      if (input && report.sql === input.query) {
        batchRuns.push({
          batch,
          sql: input.query,
          params: input.params ?? [],
          executionMs: report.durationMs,
          planningMs: 0,
          plan: report.plan,
          nested,
        });
        nested = [];
      } else if (report.plan) nested.push({ sql: report.sql, plan: report.plan });
    }
    // Planning time: the same text and parameters, planned again (EXPLAIN without ANALYZE runs nothing).
    if (!failure) {
      for (const run of batchRuns) {
        const explained = await client.query({
          text: `explain (format json, summary) ${run.sql}`,
          values: run.params,
          types: RAW_TEXT,
        });
        const [plan] = JSON.parse(String(explained.rows[0]?.["QUERY PLAN"])) as [{ "Planning Time": number }];
        run.planningMs = plan["Planning Time"];
      }
    }
    if (!failure && batchRuns.length > 0) {
      // Timed by the server (a utility statement has no executor report).
      batchRuns.push({
        batch,
        sql: `${AT_COMMIT} ${batchRuns[0]!.sql}`,
        params: batchRuns[0]!.params,
        executionMs: deferredMs,
        planningMs: 0,
        plan: undefined,
        nested: [],
        deferred: true,
      });
    }
    runs.push(...batchRuns);
    if (failure) throw failure;
    return results;
  }

  const originalFetch = globalThis.fetch;
  globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(BENCH_NEON_ENDPOINT)) return originalFetch(input, init);
    const headers = new Headers(init?.headers);
    const body = JSON.parse(String(init?.body)) as Input | { queries: Input[] };
    const arrayMode = headers.get("neon-array-mode") === "true";
    try {
      const answer =
        "queries" in body
          ? { results: await runBatch(body.queries, arrayMode) }
          : (await runBatch([body], arrayMode))[0];
      return Response.json(answer);
    } catch (error) {
      const [status, errorBody] = queryFailure(error);
      return Response.json(errorBody, { status });
    }
  };
  const close = metered.close;
  metered.close = async () => {
    globalThis.fetch = originalFetch;
    await close();
  };
  return metered;
}

/** The duration the server logged for `set constraints all immediate`, in ms (0 when none). */
function deferredDuration(messages: string[]) {
  const logged = messages.find((message) => /statement: set constraints all immediate/.test(message));
  return Number(/^duration: ([\d.]+) ms/.exec(logged ?? "")?.[1] ?? 0);
}

function parseNotice(message: string): { durationMs: number; sql: string; plan: PlanNode | undefined } {
  const match = /^duration: ([\d.]+) ms\s+plan:\n([\s\S]*)$/.exec(message);
  if (!match) return { durationMs: 0, sql: "", plan: undefined };
  const report = JSON.parse(match[2] ?? "{}") as { "Query Text": string; Plan?: PlanNode };
  return { durationMs: Number(match[1]), sql: report["Query Text"], plan: report.Plan };
}
