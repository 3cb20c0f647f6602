// The local edge stack: lets the production drivers (@neondatabase/serverless,
// @upstash/redis, @upstash/ratelimit) — run from workerd or Node — talk to a
// real or embedded PostgreSQL and Redis on this machine, with injectable
// latency and faults. See stack/README.md.

import type { ServerResponse } from "node:http";
import { hostForUrl } from "./control.ts";
import { type NeonEndpoint, startNeonEndpoint } from "./neon.ts";
import { startOpenFoodFactsEndpoint } from "./openfoodfacts.ts";
import { type PostgresSource, startPostgres } from "./postgres.ts";
import { type RedisBackend, startRedis } from "./redis.ts";
import { startUpstashEndpoint, type UpstashEndpoint } from "./upstash.ts";

export type { ControlConfig, Fault } from "./control.ts";
export type { NeonStats } from "./neon-http.ts";
export type { OpenFoodFactsStats } from "./openfoodfacts.ts";
export type { UpstashStats } from "./upstash.ts";

export interface StackOptions {
  databaseUrl?: string; // real PostgreSQL; else embedded PGlite
  pgliteDataDir?: string; // default ".data/pglite"; "memory://" allowed
  redisUrl?: string; // real Redis; else ioredis-mock
  host?: string; // default "127.0.0.1"
  neonPort?: number; // default 0 = any free port
  upstashPort?: number; // default 0
  upstashToken?: string; // default "local-upstash-token"
  delayMs?: number; // default 0
  openFoodFacts?: boolean; // the Open Food Facts stand-in; default true
  openFoodFactsPort?: number; // default 0
  log?: (line: string) => void;
}

export interface Stack {
  postgresUrl: string; // a TCP postgres:// URL usable by `pg` (migrations, seeds): the real one or the PGlite socket
  neonHttpUrl: string; // "http://127.0.0.1:PORT/sql"  (for neonConfig.fetchEndpoint)
  neonControlUrl: string; // "http://127.0.0.1:PORT/__stack"
  upstashUrl: string; // "http://127.0.0.1:PORT"
  upstashToken: string;
  upstashControlUrl: string;
  openFoodFactsUrl: string | undefined; // the Open Food Facts stand-in, when started
  openFoodFactsControlUrl: string | undefined;
  embedded: { postgres: boolean; redis: boolean };
  /** Shows `watcher` the response of every protocol request the endpoint gets (Control.watchRoundTrips). */
  watchRoundTrips(endpoint: "neon" | "upstash", watcher: (res: ServerResponse) => void): void;
  stop(): Promise<void>; // closes every server, socket, client and PGlite; idempotent
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const host = options.host ?? "127.0.0.1";
  const log = options.log ?? (() => {});
  const config = { delayMs: options.delayMs ?? 0, fault: "none" as const };
  const upstashToken = options.upstashToken ?? "local-upstash-token";

  // Started pieces are remembered as we go so a failure half-way (port in
  // use, Redis down) does not leak what already runs.
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: Error) => log(`stack stop: ${error.message}`));
    }
  };

  try {
    const postgres: PostgresSource = await startPostgres({
      databaseUrl: options.databaseUrl,
      pgliteDataDir: options.pgliteDataDir ?? ".data/pglite",
      host,
      log,
    });
    cleanups.push(postgres.stop);
    const redis: RedisBackend = await startRedis({ redisUrl: options.redisUrl, log });
    cleanups.push(redis.close);
    const neon: NeonEndpoint = await startNeonEndpoint({
      postgres,
      host,
      port: options.neonPort ?? 0,
      config,
      log,
    });
    cleanups.push(neon.close);
    const upstash: UpstashEndpoint = await startUpstashEndpoint({
      redis,
      token: upstashToken,
      host,
      port: options.upstashPort ?? 0,
      config,
      log,
    });
    cleanups.push(upstash.close);
    const openFoodFacts =
      options.openFoodFacts === false
        ? undefined
        : await startOpenFoodFactsEndpoint({ host, port: options.openFoodFactsPort ?? 0, config, log });
    if (openFoodFacts) cleanups.push(openFoodFacts.close);

    const h = hostForUrl(host);
    const offUrl = openFoodFacts && `http://${h}:${openFoodFacts.port}`;
    log(
      `stack up: neon http://${h}:${neon.port} (${postgres.embedded ? "PGlite" : "PostgreSQL"}), ` +
        `upstash http://${h}:${upstash.port} (${redis.embedded ? "ioredis-mock" : "Redis"})` +
        (offUrl ? `, open food facts ${offUrl} (stand-in)` : ""),
    );
    let stopping: Promise<void> | undefined;
    return {
      postgresUrl: postgres.url,
      neonHttpUrl: `http://${h}:${neon.port}/sql`,
      neonControlUrl: `http://${h}:${neon.port}/__stack`,
      upstashUrl: `http://${h}:${upstash.port}`,
      upstashToken,
      upstashControlUrl: `http://${h}:${upstash.port}/__stack`,
      openFoodFactsUrl: offUrl,
      openFoodFactsControlUrl: offUrl && `${offUrl}/__stack`,
      embedded: { postgres: postgres.embedded, redis: redis.embedded },
      watchRoundTrips: (endpoint, watcher) =>
        (endpoint === "neon" ? neon : upstash).control.watchRoundTrips(watcher),
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
