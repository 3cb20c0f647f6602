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

import type { IncomingMessage, ServerResponse } from "node:http";
import pg from "pg";
import { type Control, readBody, sendJson } from "./control.ts";

export type NeonStats = {
  httpRequests: number;
  queries: number;
  wsConnections: number;
  wsMessagesIn: number;
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

const ERROR_FIELDS = [
  "severity",
  "code",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "where",
  "schema",
  "table",
  "column",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
] as const;

class BadRequest extends Error {}

export function createSqlExecutor(options: {
  postgresUrl: string;
  embedded: boolean;
  control: Control<NeonStats>;
  log: (line: string) => void;
}) {
  const { control, log } = options;
  const pool = new pg.Pool({
    connectionString: options.postgresUrl,
    // Embedded PGlite serialises everything anyway; a small pool just avoids
    // idle sessions piling up in the multiplexer.
    max: options.embedded ? 2 : 10,
    // Neon sessions run in UTC; a local server may default to its own zone.
    options: "-c TimeZone=UTC",
    idleTimeoutMillis: 30_000,
  });
  pool.on("error", (error) => log(`neon /sql pool: ${error.message}`));

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

  async function execute(body: unknown, headers: IncomingMessage["headers"]) {
    if (typeof body !== "object" || body === null) throw new BadRequest("body must be a JSON object");
    const arrayMode = headers["neon-array-mode"] === "true";
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      if (!("queries" in body)) return await runOne(client, body as QueryInput, arrayMode);
      const queries = (body as { queries: unknown }).queries;
      if (!Array.isArray(queries)) throw new BadRequest("`queries` must be an array");
      await client.query(beginStatement(headers));
      try {
        const results = [];
        for (const query of queries) results.push(await runOne(client, query as QueryInput, arrayMode));
        await client.query("COMMIT");
        return { results };
      } catch (error) {
        await client.query("ROLLBACK").catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw error;
      }
    } catch (error) {
      if (!(error instanceof pg.DatabaseError) && !(error instanceof BadRequest)) broken = error as Error;
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    control.count("httpRequests", 1, req);
    if (control.intercept(req, res)) return;
    if (req.method !== "POST") return sendJson(res, 405, { message: "use POST" });
    const raw = await readBody(req);
    await control.delay(req);
    let status = 200;
    let answer: unknown;
    try {
      answer = await execute(JSON.parse(raw.toString("utf8")), req.headers);
    } catch (error) {
      [status, answer] = describeError(error);
      if (status !== 400) log(`neon /sql: ${(error as Error).message}`);
    }
    await control.delay(req);
    sendJson(res, status, answer);
  }

  return { handle, close: () => pool.end() };
}

function beginStatement(headers: IncomingMessage["headers"]): string {
  let sql = "BEGIN";
  const level = headers["neon-batch-isolation-level"];
  if (typeof level === "string") {
    const mapped = ISOLATION[level];
    if (!mapped) throw new BadRequest(`unknown Neon-Batch-Isolation-Level ${level}`);
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

function describeError(error: unknown): [number, Record<string, unknown>] {
  if (error instanceof pg.DatabaseError) {
    const body: Record<string, unknown> = { message: error.message };
    for (const field of ERROR_FIELDS) if (error[field] !== undefined) body[field] = error[field];
    return [400, body];
  }
  if (error instanceof BadRequest || error instanceof SyntaxError) {
    return [400, { message: error.message }];
  }
  // Not PostgreSQL's answer (upstream unreachable, ...): the driver reports
  // non-400 statuses as "Server error", as it would for Neon's proxy.
  return [502, { message: `local neon proxy: ${(error as Error)?.message ?? String(error)}` }];
}
