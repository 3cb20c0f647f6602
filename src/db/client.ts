import { neon, neonConfig } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-http";
import type { Config } from "../config";
import * as schema from "./schema";

/**
 * Points the Neon driver at the configured endpoint and bounds every query in time. `neonConfig` is
 * global to the isolate, and so are the bindings, so setting it on each request is idempotent.
 */
function configureNeon(config: Config) {
  if (config.neonFetchEndpoint) neonConfig.fetchEndpoint = config.neonFetchEndpoint;
  const timeoutMs = config.timeouts.dbMs;
  neonConfig.fetchFunction = (input: Parameters<typeof fetch>[0], init: RequestInit = {}) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    return fetch(input, { ...init, signal });
  };
}

/**
 * A drizzle database over Neon's HTTP protocol: one HTTP round trip per query, and `db.batch([...])`
 * sends several statements as one atomic round trip. Cheap to build, so each request builds its own.
 */
export function createDb(config: Config) {
  configureNeon(config);
  return drizzle({ client: neon(config.databaseUrl), schema });
}

export type Database = ReturnType<typeof createDb>;

const unavailableSqlStates = /^(08|53|57P0)/;

/**
 * True when the error means the database could not be reached or gave up (network, timeout, overload),
 * as opposed to a query the database rejected.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current.name === "TimeoutError" || current.name === "AbortError") return true;
  }
  const driverError = neonDbError(error);
  if (!driverError) return false;
  return driverError.code === undefined || unavailableSqlStates.test(driverError.code);
}

type NeonDbError = Error & { code?: string; constraint?: string };

/** The Neon driver's error behind `error` (drizzle wraps it as the cause), if there is one. */
export function neonDbError(error: unknown): NeonDbError | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current.name === "NeonDbError") return current as NeonDbError;
  }
  return undefined;
}
