// The Neon-protocol endpoint: one HTTP server carrying POST /sql (neon() over
// HTTP, the only way the Worker talks to Neon) and the /__stack control API.

import http from "node:http";
import { CORS_HEADERS, Control, type ControlConfig, closeServer, listen, sendJson } from "./control.ts";
import { createSqlExecutor, type NeonStats } from "./neon-http.ts";
import { neonErrorBody } from "./neon-rules.ts";
import type { PostgresSource } from "./postgres.ts";

export interface NeonEndpoint {
  port: number;
  control: Control<NeonStats>;
  close(): Promise<void>;
}

export async function startNeonEndpoint(options: {
  postgres: PostgresSource;
  host: string;
  port: number;
  config: ControlConfig;
  log: (line: string) => void;
}): Promise<NeonEndpoint> {
  const { postgres, log } = options;
  const control = new Control<NeonStats>(
    options.config,
    {
      httpRequests: 0,
      queries: 0,
      cancelled: 0,
    },
    [400, neonErrorBody("password authentication failed for user 'sikdan'")],
  );
  const sql = createSqlExecutor({ postgresUrl: postgres.url, embedded: postgres.embedded, control, log });

  const server = http.createServer((req, res) => {
    route(req, res).catch((error: Error) => {
      log(`neon endpoint: ${error.stack ?? error.message}`);
      sendJson(res, 500, { message: error.message });
    });
  });

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    control.scope(req);
    if (await control.handle(req, res)) return;
    if (req.method === "OPTIONS") {
      res.writeHead(204, CORS_HEADERS).end();
      return;
    }
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/sql" || path === "/sql/") return sql.handle(req, res);
    sendJson(res, 404, { message: `no route ${req.method} ${path}` });
  }

  const port = await listen(server, options.port, options.host);

  return {
    port,
    control,
    close: async () => {
      control.releaseParked();
      await closeServer(server);
      await sql.close();
    },
  };
}
