// POST /sql — the HTTP protocol of `neon()` from @neondatabase/serverless
// (v1.2: see `execute` in its index.mjs), answered over `pg`.
//
// Request body:  {query, params} | {queries: [{query, params}, ...]}
// Request headers the driver always sends: Neon-Connection-String (ignored:
// we have one upstream), Neon-Raw-Text-Output: true, Neon-Array-Mode: true;
// for batches optionally Neon-Batch-Isolation-Level / -Read-Only / -Deferrable.
// Response: {fields, command, rowCount, rows, rowAsArray} or {results: [...]}.
// The driver parses values itself from fields[].dataTypeID, so values must
// stay in PostgreSQL's text form. On HTTP 400 it builds NeonDbError from
// `message` plus severity, code, detail, hint, position, internalPosition,
// internalQuery, where, schema, table, column, dataType, constraint, file,
// line, routine; any other status becomes "Server error (HTTP status N)".
//
// Production rules enforced here (stack/README.md cites each in Neon's proxy source): the query is
// cancelled and its batch rolled back when the client goes away; 10 MiB request (413) and response
// (507) limits; each pooled connection is reset before the next request; connection failures are
// answered as the proxy does (400 `code: ""` for the user's fault, 500 when the compute is down).
// A pooled client that dies (PostgreSQL crash or restart) is dropped, never fatal: the pool
// reconnects on the next request.

import type { IncomingMessage, ServerResponse } from "node:http";
import pg from "pg";
import { BodyTooLarge, type Control, readBody, sendJson } from "./control.ts";
import {
  BadRequest,
  ClientGone,
  connectFailure,
  MAX_REQUEST_BYTES,
  MAX_RESPONSE_BYTES,
  type NeonAnswer,
  queryFailure,
  RESET_SESSION,
  ResponseTooLarge,
  requestTooLarge,
} from "./neon-rules.ts";

export type NeonStats = {
  httpRequests: number;
  queries: number;
  cancelled: number;
};

interface QueryInput {
  query: string;
  params?: unknown[];
}

// Every type stays text: identity parsers for all OIDs.
const RAW_TEXT = { getTypeParser: () => (value: string) => value };

const ISOLATION: Record<string, string> = {
  ReadUncommitted: "READ UNCOMMITTED",
  ReadCommitted: "READ COMMITTED",
  RepeatableRead: "REPEATABLE READ",
  Serializable: "SERIALIZABLE",
};

/** Got no connection: answered with `connectFailure`, not as a query error. */
class ConnectError extends Error {}

export function createSqlExecutor(options: {
  postgresUrl: string;
  embedded: boolean;
  control: Control<NeonStats>;
  log: (line: string) => void;
}) {
  const { control, log, postgresUrl, embedded } = options;
  const pool = new pg.Pool({
    connectionString: postgresUrl,
    // Embedded PGlite serialises everything anyway; a small pool just avoids
    // idle sessions piling up in the multiplexer.
    max: embedded ? 2 : 10,
    // Neon sessions run in UTC; a local server may default to its own zone.
    // A startup option, so RESET ALL between requests keeps it.
    options: "-c TimeZone=UTC",
    idleTimeoutMillis: 30_000,
    // A stalled server must not hold requests forever; the client's own timeout is shorter anyway.
    connectionTimeoutMillis: 5_000,
  });
  pool.on("error", (error) => log(`neon /sql pool (idle client): ${error.message}`));
  // pg emits 'error' on a checked-out client whose server goes away (crash, restart, terminate);
  // without a listener that is an unhandled 'error' event and takes the whole stack down. The
  // running query rejects as well, and the client is then released as broken.
  pool.on("connect", (client) => {
    client.on("error", (error) => log(`neon /sql connection lost: ${error.message}`));
  });

  async function connect(): Promise<pg.PoolClient> {
    try {
      return await pool.connect();
    } catch (error) {
      throw new ConnectError("connect", { cause: error });
    }
  }

  /** Neon sends a cancel request for the backend; PGlite has one session and nothing to cancel. */
  async function cancelBackend(client: pg.PoolClient): Promise<void> {
    const pid = (client as unknown as { processID: number | null }).processID;
    if (embedded || !pid) return;
    const canceller = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 2_000 });
    canceller.on("error", () => {});
    try {
      await canceller.connect();
      await canceller.query("SELECT pg_cancel_backend($1)", [pid]);
    } catch (error) {
      log(`neon /sql: could not cancel backend ${pid}: ${(error as Error).message}`);
    } finally {
      await canceller.end().catch(() => {});
    }
  }

  async function runOne(client: pg.PoolClient, input: QueryInput, arrayMode: boolean) {
    if (typeof input?.query !== "string") throw new BadRequest("each query needs a string `query`");
    control.count("queries");
    // queryMode "extended" forces Parse/Bind/Execute even without params,
    // so (as on Neon) a query string holds exactly one statement.
    const config: pg.QueryConfig & { queryMode: "extended" } = {
      text: input.query,
      values: input.params ?? [],
      types: RAW_TEXT,
      queryMode: "extended",
    };
    const result = arrayMode
      ? await client.query({ ...config, rowMode: "array" })
      : await client.query(config);
    return {
      fields: result.fields.map((field) => ({ ...field, format: "text" })),
      command: result.command,
      rowCount: result.rowCount,
      rows: result.rows,
      rowAsArray: arrayMode,
    };
  }

  async function execute(body: unknown, headers: IncomingMessage["headers"], gone: AbortSignal) {
    if (typeof body !== "object" || body === null) throw new BadRequest("body must be a JSON object");
    const arrayMode = headers["neon-array-mode"] === "true";
    const queries = "queries" in body ? (body as { queries: unknown }).queries : undefined;
    if ("queries" in body && !Array.isArray(queries)) throw new BadRequest("`queries` must be an array");
    const batch = queries as unknown[] | undefined;
    const begin = batch ? beginStatement(headers) : undefined;
    const client = await connect();
    let broken: Error | undefined;
    const cancel = () => {
      broken = new ClientGone();
      void cancelBackend(client);
    };
    gone.addEventListener("abort", cancel, { once: true });
    let responseBytes = 0;
    const sized = <T>(result: T): T => {
      responseBytes += Buffer.byteLength(JSON.stringify(result));
      if (responseBytes > MAX_RESPONSE_BYTES) throw new ResponseTooLarge();
      return result;
    };
    try {
      if (!batch) return sized(await runOne(client, body as QueryInput, arrayMode));
      await client.query(begin as string);
      try {
        const results = [];
        for (const query of batch) {
          if (gone.aborted) throw new ClientGone();
          results.push(sized(await runOne(client, query as QueryInput, arrayMode)));
        }
        // Nothing commits once the client has given up.
        if (gone.aborted) throw new ClientGone();
        await client.query("COMMIT");
        return { results };
      } catch (error) {
        await client.query("ROLLBACK").catch((rollbackError: Error) => {
          broken ??= rollbackError;
        });
        throw error;
      }
    } catch (error) {
      if (gone.aborted) throw new ClientGone();
      const expected =
        error instanceof pg.DatabaseError || error instanceof BadRequest || error instanceof ResponseTooLarge;
      if (!expected) broken ??= error as Error;
      throw error;
    } finally {
      gone.removeEventListener("abort", cancel);
      resetAndRelease(client, broken);
    }
  }

  /**
   * As Neon's pool does it: the connection is reset as it goes back, after the answer has left, so
   * the reset is off the request's path; it is released (for the next request) only once reset.
   */
  function resetAndRelease(client: pg.PoolClient, broken: Error | undefined) {
    if (broken) return client.release(broken);
    client.query(RESET_SESSION).then(
      () => client.release(),
      (resetError: Error) => client.release(resetError),
    );
  }

  async function answer(req: IncomingMessage, gone: AbortSignal): Promise<NeonAnswer> {
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_REQUEST_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLarge) return requestTooLarge();
      throw error;
    }
    await control.delay(req);
    try {
      return [200, await execute(JSON.parse(raw.toString("utf8")), req.headers, gone)];
    } catch (error) {
      if (error instanceof ClientGone) control.count("cancelled", 1, req);
      if (error instanceof ConnectError) {
        log(`neon /sql: no connection: ${(error.cause as Error)?.message}`);
        return connectFailure(error.cause);
      }
      if (error instanceof SyntaxError) return queryFailure(new BadRequest(error.message));
      const failure = queryFailure(error);
      if (!(error instanceof pg.DatabaseError || error instanceof BadRequest))
        log(`neon /sql: ${(error as Error).message}`);
      return failure;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    control.roundTrip("httpRequests", req, res);
    if (control.intercept(req, res)) return;
    if (req.method !== "POST") return sendJson(res, 405, { message: "use POST" });
    // The proxy cancels a request's query when its HTTP connection closes before the answer. The
    // news of the close travels like the request did: it pays the same injected inbound delay, so
    // a query that finishes before it arrives still commits (a client timing out during a slow
    // answer is a late commit, as on Neon, not a cancellation).
    const client = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) void control.delay(req).then(() => client.abort());
    });
    const [status, body] = await answer(req, client.signal);
    await control.delay(req);
    sendJson(res, status, body);
  }

  return { handle, close: () => pool.end() };
}

function beginStatement(headers: IncomingMessage["headers"]): string {
  let sql = "BEGIN";
  const level = headers["neon-batch-isolation-level"];
  if (typeof level === "string") {
    const mapped = ISOLATION[level];
    if (!mapped) throw new BadRequest("invalid isolation level");
    sql += ` ISOLATION LEVEL ${mapped}`;
  }
  const readOnly = headers["neon-batch-read-only"];
  if (readOnly === "true") sql += " READ ONLY";
  else if (readOnly === "false") sql += " READ WRITE";
  const deferrable = headers["neon-batch-deferrable"];
  if (deferrable === "true") sql += " DEFERRABLE";
  else if (deferrable === "false") sql += " NOT DEFERRABLE";
  return sql;
}
