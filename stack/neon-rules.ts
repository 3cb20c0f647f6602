// What Neon's HTTP proxy does that a plain PostgreSQL does not, as read in neondatabase/neon
// (proxy/src/serverless/sql_over_http.rs, error.rs, backend.rs, conn_pool_lib.rs,
// proxy/src/binary/proxy.rs, libs/proxy/tokio-postgres2/src/client.rs). See stack/README.md.

import pg from "pg";

/** `--sql-over-http-max-request-size-bytes` and `…-max-response-size-bytes`: both default to 10 MiB. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
export const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/**
 * What the proxy runs on a connection before it goes back to the pool (`reset_session_background`),
 * so nothing one request leaves behind (open transaction, SET, prepared statements, advisory locks,
 * temp tables, sequence caches) is seen by the next.
 */
export const RESET_SESSION = [
  "ROLLBACK",
  "CLOSE ALL",
  "SET SESSION AUTHORIZATION DEFAULT",
  "RESET ALL",
  "DEALLOCATE ALL",
  "UNLISTEN *",
  "SELECT pg_advisory_unlock_all()",
  "DISCARD TEMP",
  "DISCARD SEQUENCES",
].join("; ");

const DB_ERROR_FIELDS = [
  "code",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "severity",
  "where",
  "table",
  "column",
  "schema",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
] as const;

type DbFields = Partial<Record<(typeof DB_ERROR_FIELDS)[number], string | undefined>>;

/**
 * The proxy's error body: every field present, `code` and `severity` "" and the rest null when the
 * error did not come from PostgreSQL itself (a connection, size or protocol failure).
 */
export function neonErrorBody(message: string, fields: DbFields = {}): Record<string, unknown> {
  const body: Record<string, unknown> = { message };
  for (const name of DB_ERROR_FIELDS) {
    body[name] = fields[name] ?? (name === "code" || name === "severity" ? "" : null);
  }
  return body;
}

export type NeonAnswer = [status: number, body: Record<string, unknown>];

/** Request body over the limit (ReadPayloadError::BodyTooLarge → 413). */
export const requestTooLarge = (): NeonAnswer => [
  413,
  neonErrorBody(`request is too large (max is ${MAX_REQUEST_BYTES} bytes)`),
];

/** Rows of the whole answer (a batch counts as one) over the limit (ResponseTooLarge → 507). */
export class ResponseTooLarge extends Error {
  constructor() {
    super(`response is too large (max is ${MAX_RESPONSE_BYTES} bytes)`);
  }
}

/** The client went away while its query ran: cancelled and rolled back (SqlOverHttpCancel). */
export class ClientGone extends Error {
  constructor() {
    super("Query cancelled, connection was terminated");
  }
}

/** Malformed request (no query, bad isolation header, bad JSON): 400 without a SQLSTATE. */
export class BadRequest extends Error {}

/**
 * Failing to get a connection (HttpConnError): the user's fault answers 400 — a refused password or
 * disabled endpoint with `code: ""` (the proxy authenticates and wakes the compute itself), a missing
 * database with PostgreSQL's 3D000 — anything else (compute unreachable, PostgreSQL refusing
 * connections while it starts or is full) is 500, with the SQLSTATE when PostgreSQL sent one.
 */
export function connectFailure(error: unknown): NeonAnswer {
  if (error instanceof pg.DatabaseError) {
    if (error.code === "28P01" || error.code === "28000") return [400, neonErrorBody(error.message)];
    return [error.code === "3D000" ? 400 : 500, neonErrorBody(error.message, dbFields(error))];
  }
  return [500, neonErrorBody("Couldn't connect to compute node")];
}

/** A failure while the query ran (SqlOverHttpError::Postgres): always 400, fields when PostgreSQL sent them. */
export function queryFailure(error: unknown): NeonAnswer {
  if (error instanceof ResponseTooLarge) return [507, neonErrorBody(error.message)];
  if (error instanceof ClientGone) return [400, neonErrorBody(error.message, { code: "08P01" })];
  if (error instanceof pg.DatabaseError) return [400, neonErrorBody(error.message, dbFields(error))];
  const message = error instanceof Error ? error.message : String(error);
  return [400, neonErrorBody(message)];
}

function dbFields(error: pg.DatabaseError): DbFields {
  const fields: DbFields = {};
  for (const name of DB_ERROR_FIELDS) {
    const value = (error as unknown as Record<string, unknown>)[name];
    if (typeof value === "string") fields[name] = value;
  }
  return fields;
}
