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
