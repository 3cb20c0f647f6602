import { fc } from "@fast-check/vitest";
import { fingerprint } from "./db";
import { type Req, type Res, send, violations } from "./requests";
import { eventually } from "./wait";

/**
 * Running fuzz properties: the fixed seed, the tally each suite prints, the watch that proves a
 * rejected request wrote nothing. The arbitraries are in test/helpers/arbitraries.ts.
 */

export { fc };

/**
 * The fixed seed of every fuzz property (each property derives its own from it and its name, see
 * `seedFor`). Printed in each suite's summary line; fast-check prints the seed and path of any
 * counterexample, which `fc.assert(..., { seed, path })` replays.
 */
export const SEED = 20_261_126;

/** A per-property seed: the base seed mixed with the property's name (stable across runs). */
export function seedFor(name: string): number {
  let hash = SEED;
  for (const char of name) hash = (Math.imul(hash ^ char.charCodeAt(0), 0x5bd1e995) >>> 0) ^ (hash >>> 15);
  return hash | 0;
}

/**

// ---- figures ------------------------------------------------------------------------------------

/** Counts what a suite did, for its one printed summary line and its final assertions. */
export class Tally {
  cases = 0;
  readonly statuses = new Map<number, number>();
  readonly fiveXX: string[] = [];
  readonly violations: string[] = [];
  /** Rejected requests after which the database differed (must stay 0). */
  writesByRejected = 0;
  /** Rows that disappeared or changed without a successful request doing it (must stay 0). */
  rowsLost = 0;

  constructor(readonly name: string) {}

  record(req: Req, res: Res, found: string[] = violations(req, res)) {
    this.cases += 1;
    this.statuses.set(res.status, (this.statuses.get(res.status) ?? 0) + 1);
    const label = `${req.method ?? "GET"} ${req.path.slice(0, 120)} → ${res.status}`;
    if (res.status >= 500) this.fiveXX.push(label);
    for (const violation of found) this.violations.push(`${label}: ${violation}`);
    return found;
  }

  count(status: number) {
    return this.statuses.get(status) ?? 0;
  }

  get total5xx() {
    let total = 0;
    for (const [status, n] of this.statuses) if (status >= 500) total += n;
    return total;
  }

  statusSummary() {
    return [...this.statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, n]) => `${status}×${n}`)
      .join(" ");
  }
}

/** How long a rejected request's after-response work may take to undo what it did. */
const SETTLE_MS = 3000;

/**
 * Watches one user's data: after each request, a fingerprint that changed without a successful
 * write (a non-GET answered 2xx) is a write by a rejected request, and fails the case. `readOnly`
 * watches a bystander (a victim of IDOR attempts) whose data must never change.
 */
export class Watch {
  private last = "";
  constructor(
    readonly userId: string,
    private readonly tally: Tally,
    private readonly readOnly = false,
  ) {}

  async start() {
    this.last = await fingerprint(this.userId);
    return this;
  }

  async after(req: Req, res: Res) {
    const method = (req.method ?? "GET").toUpperCase();
    const mayWrite = !this.readOnly && method !== "GET" && method !== "HEAD" && res.status < 300;
    let now = await fingerprint(this.userId);
    // What a rejected request did may still be being undone just after its answer (a sign-in opens
    // its session before it knows the password, and deletes it after the 401: auth.ts signIn), so
    // the data gets a moment to come back before a change counts as a write.
    if (!mayWrite && now !== this.last) {
      const settled = async () => {
        now = await fingerprint(this.userId);
        return now === this.last;
      };
      await eventually(settled, SETTLE_MS, 50).catch(() => {});
    }
    if (!mayWrite && now !== this.last) {
      this.tally.writesByRejected += 1;
      const before = this.last;
      this.last = now;
      throw new Error(
        `${method} ${req.path.slice(0, 200)} → ${res.status} changed the data of ${this.userId}` +
          `${this.readOnly ? " (a bystander)" : ""}:\n  before ${before}\n  after  ${now}`,
      );
    }
    this.last = now;
  }
}

/** Sends a fuzz case, records it, and throws on any universal violation. */
export async function fuzzCase(tally: Tally, req: Req, options?: { allowStatuses?: number[] }): Promise<Res> {
  let res: Res;
  try {
    res = await send(req);
  } catch (err) {
    throw new Error(`${req.method ?? "GET"} ${req.path.slice(0, 200)} threw: ${(err as Error).message}`);
  }
  const found = tally.record(req, res, violations(req, res, options));
  if (found.length > 0) {
    throw new Error(
      `${req.method ?? "GET"} ${req.path.slice(0, 200)} → ${res.status}: ${found.join("; ")}\n${res.text.slice(0, 400)}`,
    );
  }
  return res;
}

/** fc.assert with the suite's seed (derived per property), `numRuns`, and no shrinking in CI time. */
export function check<T>(
  name: string,
  arbitrary: fc.Arbitrary<T>,
  numRuns: number,
  predicate: (value: T) => Promise<void>,
) {
  return fc.assert(
    fc.asyncProperty(arbitrary, async (value) => {
      await predicate(value);
    }),
    { seed: seedFor(name), numRuns, endOnFailure: true },
  );
}

/** The one summary line a fuzz file prints. */
export const fuzzSummary = (tally: Tally) =>
  `fuzz[${tally.name}]: ${tally.cases} cases, ${tally.total5xx} 5xx, ${tally.violations.length} contract violations, ` +
  `${tally.writesByRejected} writes by rejected requests, ${tally.rowsLost} rows lost ` +
  `(seed ${SEED}; statuses ${tally.statusSummary()})`;
