// Where the SQL goes: a real PostgreSQL when a URL is given, else embedded
// PGlite. Either way the rest of the stack only sees a TCP postgres:// URL.

import net from "node:net";
import { startEmbeddedPostgres } from "./pglite.ts";

export interface PostgresSource {
  url: string;
  embedded: boolean;
  /** host and port of the TCP endpoint */
  host: string;
  port: number;
  stop(): Promise<void>;
}

export async function startPostgres(options: {
  databaseUrl?: string | undefined;
  pgliteDataDir: string;
  host: string;
  log: (line: string) => void;
}): Promise<PostgresSource> {
  if (options.databaseUrl) {
    const url = new URL(options.databaseUrl);
    const port = Number(url.port || 5432);
    await assertReachable(url.hostname, port);
    return { url: options.databaseUrl, embedded: false, host: url.hostname, port, stop: async () => {} };
  }
  const pglite = await startEmbeddedPostgres({
    dataDir: options.pgliteDataDir,
    host: options.host,
    log: options.log,
  });
  const url = new URL(pglite.url);
  return { url: pglite.url, embedded: true, host: url.hostname, port: Number(url.port), stop: pglite.stop };
}

// Failing at start beats every later query failing with a vaguer message.
function assertReachable(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    socket.setTimeout(3000);
    socket.once("connect", () => {
      socket.destroy();
      resolve();
    });
    socket.once("timeout", () => {
      socket.destroy();
      reject(new Error(`PostgreSQL at ${host}:${port} did not answer within 3 s`));
    });
    socket.once("error", (error) => reject(new Error(`PostgreSQL at ${host}:${port}: ${error.message}`)));
  });
}
