import type { TestProject } from "vitest/node";
import { spawnReady, stopChild } from "../scripts/lib/spawn-ready";
import type { Stack } from "../stack/index";
import "./provided-context";

type StackInfo = Omit<Stack, "stop">;

/**
 * Starts the local edge stack once for the run (scripts/test-stack.ts, its own process): against
 * DATABASE_URL / REDIS_URL when set (CI), else an in-memory PGlite and an in-memory Redis. Suites
 * never share rows: each builds its own users.
 */
export default async function setup(project: TestProject) {
  const { child, ready: stack } = await spawnReady<StackInfo>("scripts/test-stack.ts");
  project.provide("neonHttpUrl", stack.neonHttpUrl);
  project.provide("neonControlUrl", stack.neonControlUrl);
  project.provide("upstashUrl", stack.upstashUrl);
  project.provide("upstashToken", stack.upstashToken);
  project.provide("upstashControlUrl", stack.upstashControlUrl);
  // The tests never reach the internet: barcode lookups always go to the stack's stand-in.
  project.provide("openFoodFactsUrl", stack.openFoodFactsUrl ?? "");
  project.provide("openFoodFactsControlUrl", stack.openFoodFactsControlUrl ?? "");
  project.provide("embedded", stack.embedded);
  const postgres = stack.embedded.postgres ? "embedded PGlite" : "DATABASE_URL";
  const redis = stack.embedded.redis ? "in-memory Redis" : "REDIS_URL";
  console.log(`[test stack] PostgreSQL: ${postgres}; Redis: ${redis}`);
  return () => stopChild(child);
}
