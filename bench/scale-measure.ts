// Runs each entry of scale-statements.ts warm, `samples` times, and turns what the driver recorded into
// database time per request (the sum over the request's statements of planning + executor time)
// and the plan of a typical sample.
import type { AuthContext, Services } from "../src/types.ts";
import type { MeteredDatabase, PlanNode, StatementRun } from "./scale-driver.ts";
import { type Pools, type Sample, STATEMENTS } from "./scale-statements.ts";

/** Tables no per-request statement may read with a sequential scan. */
const GUARDED_TABLES = ["meal_logs", "sessions", "challenge_participants", "refresh_tokens", "users"];

export type StatementResult = {
  name: string;
  perRequest: true;
  samples: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Statements the request sends (all in one round trip unless said otherwise). */
  statements: number;
  /** The typical (median) sample's heaviest statement: its SQL start, and the top of its plan. */
  plan: string;
  seqScans: string[];
};

const WARMUP = 3;
const PLAN_SAMPLES = 3;
const dbTime = (runs: StatementRun[]) => runs.reduce((sum, run) => sum + run.executionMs + run.planningMs, 0);

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
};
const round = (ms: number) => Math.round(ms * 100) / 100;

export async function measureStatements(
  metered: MeteredDatabase,
  services: Services,
  pools: Pools,
  samples: number,
  settle: () => Promise<void>,
  progress: (line: string) => void,
  only?: string,
): Promise<StatementResult[]> {
  const auth = (sample: Sample): AuthContext => ({
    userId: sample.userId,
    sessionId: sample.sessionId,
    via: "bearer",
  });
  const context = { services, pools, auth };
  const results: StatementResult[] = [];
  for (const spec of STATEMENTS.filter((candidate) => !only || candidate.name.includes(only))) {
    metered.rollback = !spec.commit;
    const requests: StatementRun[][] = [];
    const planned: StatementRun[][] = [];
    const run = async (i: number, into: StatementRun[][] | undefined) => {
      await spec.request(context, i);
      await settle();
      const runs = metered.take();
      if (!into) return;
      if (!spec.perRoundTrip) into.push(runs);
      else
        for (const batch of new Set(runs.map((r) => r.batch)))
          into.push(runs.filter((r) => r.batch === batch));
    };
    metered.analyze = false;
    for (let i = 0; i < WARMUP; i++) await run(i, undefined);
    for (let i = WARMUP; i < WARMUP + samples; i++) await run(i, requests);
    // The plans: a few more samples with every node instrumented (not timed: instrumenting costs).
    metered.analyze = true;
    for (let i = WARMUP + samples; i < WARMUP + samples + PLAN_SAMPLES; i++) await run(i, planned);
    const times = requests.map(dbTime);
    const plannedTimes = planned.map(dbTime);
    const typical = planned[plannedTimes.indexOf(percentile(plannedTimes, 50))] ?? [];
    const seqScans = [...new Set([...requests, ...planned].flatMap((runs) => runs.flatMap(seqScansOf)))];
    const result: StatementResult = {
      name: spec.name,
      perRequest: true,
      samples: requests.length,
      p50Ms: round(percentile(times, 50)),
      p95Ms: round(percentile(times, 95)),
      maxMs: round(Math.max(...times)),
      statements: Math.round(
        requests.reduce((sum, runs) => sum + runs.filter((r) => !r.deferred).length, 0) /
          Math.max(1, requests.length),
      ),
      plan: describe(typical),
      seqScans,
    };
    results.push(result);
    progress(
      `${spec.name}: p50 ${result.p50Ms} ms, p95 ${result.p95Ms} ms (${result.statements} statements)${seqScans.length ? ` SEQ SCAN ${seqScans.join(", ")}` : ""}`,
    );
  }
  metered.rollback = true;
  return results;
}

function* nodes(plan: PlanNode | undefined): Generator<PlanNode> {
  if (!plan) return;
  yield plan;
  for (const child of plan.Plans ?? []) yield* nodes(child);
}

function seqScansOf(run: StatementRun): string[] {
  const plans = [run.plan, ...run.nested.map((n) => n.plan)];
  return plans.flatMap((plan) =>
    [...nodes(plan)]
      .filter(
        (node) => node["Node Type"] === "Seq Scan" && GUARDED_TABLES.includes(String(node["Relation Name"])),
      )
      .map((node) => String(node["Relation Name"])),
  );
}

const line = (node: PlanNode) => {
  const on = node["Relation Name"] ? ` on ${node["Relation Name"]}` : "";
  const using = node["Index Name"] ? ` using ${node["Index Name"]}` : "";
  const time = node["Actual Total Time"] !== undefined ? ` time=${node["Actual Total Time"]}ms` : "";
  const rows =
    node["Actual Rows"] !== undefined ? ` rows=${node["Actual Rows"]} loops=${node["Actual Loops"]}` : "";
  const buffers =
    node["Shared Hit Blocks"] !== undefined
      ? ` buffers hit=${node["Shared Hit Blocks"]} read=${node["Shared Read Blocks"] ?? 0}`
      : "";
  return `${node["Node Type"]}${on}${using}${time}${rows}${buffers}`;
};

/**
 * The heaviest statement of a request (by executor time): its first SQL line, then the nodes that
 * read tables (scans), from its own plan and from the statements its functions ran.
 */
function describe(runs: StatementRun[]): string {
  const heaviest = [...runs].sort((a, b) => b.executionMs - a.executionMs)[0];
  if (!heaviest) return "";
  const sqlStart = heaviest.sql.replace(/\s+/g, " ").trim().slice(0, 100);
  const out = [
    `${sqlStart}… (instrumented: exec ${round(heaviest.executionMs)} ms, planning ${round(heaviest.planningMs)} ms)`,
  ];
  const scans = (plan: PlanNode | undefined) =>
    [...nodes(plan)].filter(
      (node) => /Scan|Function/.test(node["Node Type"]) && node["Relation Name"] !== undefined,
    );
  for (const node of scans(heaviest.plan).slice(0, 6)) out.push(`  ${line(node)}`);
  const nestedScans = heaviest.nested
    .flatMap((nested) => scans(nested.plan))
    .sort((a, b) => (b["Actual Total Time"] ?? 0) - (a["Actual Total Time"] ?? 0));
  if (nestedScans.length > 0) out.push("  inside functions (slowest first):");
  for (const node of nestedScans.slice(0, 6)) out.push(`    ${line(node)}`);
  return out.join("\n");
}
