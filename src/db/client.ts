import { neon, neonConfig } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-http";
import type { Config } from "../config";

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
  // No `schema`: every query is built with the query builder or `sql`, never the relational
  // `db.query` API, and leaving it out keeps drizzle's relational layer out of the bundle.
  return drizzle({ client: neon(config.databaseUrl) });
}

export type Database = ReturnType<typeof createDb>;

/**
 * SQLSTATEs that mean "not now" rather than "not this query": connection exceptions (08), resource
 * limits (53), shutdowns (57P0x), and the connection-level refusals Neon passes through (a database
 * that does not exist, 3D000; a refused login, 28xxx).
 */
const unavailableSqlStates = /^(08|53|57P0|3D000|28)/;

/**
 * Neon's answers over HTTP (proxy/src/serverless/sql_over_http.rs) and what each means to us:
 * - 400 with PostgreSQL's SQLSTATE: the query was refused — a bug or a conflict the caller handles,
 *   unless the SQLSTATE is one of `unavailableSqlStates`;
 * - 400 with `code: ""`: the proxy could not serve us (login refused, endpoint disabled, the
 *   connection to PostgreSQL lost mid-query) → unavailable;
 * - 500 (PostgreSQL down or not accepting connections), any other 5xx, a network error or our own
 *   timeout/abort → unavailable (the driver reports these without a code);
 * - 413 (request over 10 MiB) and 507 (response over 10 MiB): our bug, never "retry later" — a
 *   retry gets the same answer. Left to the error handler as a 500, logged with the proxy's message.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current.name === "TimeoutError" || current.name === "AbortError") return true;
  }
  const driverError = neonDbError(error);
  if (!driverError) return false;
  if (driverError.code === undefined)
    return !/^Server error \(HTTP status (413|507)\)/.test(driverError.message);
  return driverError.code === "" || unavailableSqlStates.test(driverError.code);
}

type NeonDbError = Error & { code?: string; constraint?: string };

/** The Neon driver's error behind `error` (drizzle wraps it as the cause), if there is one. */
export function neonDbError(error: unknown): NeonDbError | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current.name === "NeonDbError") return current as NeonDbError;
  }
  return undefined;
}
