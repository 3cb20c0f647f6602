/**
 * What the database's errors mean to the API, in one place: the driver's error behind drizzle's
 * wrapper, its SQLSTATE and constraint, our own SQLSTATEs, and which errors mean "not now".
 * src/create-app.ts maps these to problems; services test for the conflicts they handle.
 */

/** SQLSTATE raised by `assert_session_active()` (src/db/functions/assert_session_active.sql). */
export const SESSION_ENDED_SQLSTATE = "SK401";

/** SQLSTATE raised by consume_write_quota() (src/db/functions/consume_write_quota.sql). */
export const WRITE_QUOTA_SQLSTATE = "SK429";

/**
 * SQLSTATE raised by log_items_snapshot() (src/db/functions/log_items_snapshot.sql); its DETAIL is
 * the refused field's path (`items.2.foodId`, `items`).
 */
export const LOG_ITEMS_SQLSTATE = "SK400";

/** SQLSTATE raised by consume_login_attempt() (src/db/functions/consume_login_attempt.sql). */
export const LOGIN_LIMIT_SQLSTATE = "SK423";

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

/** The SQLSTATE of a database error, looking through drizzle's wrapper. */
export const sqlState = (error: unknown) => neonDbError(error)?.code;

/** The constraint a database error names (empty when none), looking through drizzle's wrapper. */
export const constraintOf = (error: unknown) => neonDbError(error)?.constraint ?? "";

/**
 * The caller's session has ended: refused by the session check, or the user row vanished under
 * the request (account deleted mid-write: a foreign key to the user no longer holds).
 */
export const isSessionEnded = (error: unknown) => {
  const state = sqlState(error);
  return (
    state === SESSION_ENDED_SQLSTATE ||
    (state === "23503" && /_user_id_users_id_fk$/.test(constraintOf(error)))
  );
};

/** A deadlock or serialization failure: transient, and the transaction was rolled back whole. */
export const isTransactionConflict = (error: unknown) => {
  const state = sqlState(error);
  return state === "40P01" || state === "40001";
};
