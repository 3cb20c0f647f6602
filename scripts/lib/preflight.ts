import { createServer } from "node:net";
import pg from "pg";

/**
 * Checks that run before anything starts (npm run dev, npm test, db:migrate, db:rollback), so a
 * wrong setting is one clear line instead of a stack trace, a timeout or a runner's puzzled output.
 */

const redact = (url: string) => url.replace(/\/\/[^@/]*@/, "//***@");

/** One line for a failure to reach or use the PostgreSQL at `url`. */
export function describeDatabaseError(err: unknown, url: string): string {
  const { code, message } = (err ?? {}) as { code?: string; message?: string };
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    return `DATABASE_URL is not a URL (${redact(url)})`;
  }
  const where = `${parsed.hostname}:${parsed.port || 5432}`;
  const database = decodeURIComponent(parsed.pathname.slice(1)) || "(default)";
  const user = decodeURIComponent(parsed.username) || "postgres";
  switch (code) {
    case "3D000":
      return `database "${database}" does not exist on ${where}: create it with \`createdb -h ${parsed.hostname} -p ${parsed.port || 5432} -U ${user} ${database}\``;
    case "ECONNREFUSED":
      return `nothing accepts connections on ${where} (DATABASE_URL ${redact(url)}): is PostgreSQL running?`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `the host of DATABASE_URL (${parsed.hostname}) cannot be resolved`;
    case "ETIMEDOUT":
      return `PostgreSQL at ${where} did not answer in time`;
    case "28P01":
    case "28000":
      return `PostgreSQL at ${where} refused user "${user}": ${message}`;
    default:
      return `${message?.split("\n")[0] ?? String(err)} (DATABASE_URL ${redact(url)})`;
  }
}

/** Connects to `url` and runs `select 1`; the problem in one line, or undefined. */
export async function checkDatabase(url: string, timeoutMs = 3000): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query("select 1");
    return undefined;
  } catch (err) {
    return describeDatabaseError(err, url);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Sends PING to the Redis at `url`; the problem in one line, or undefined. */
export async function checkRedis(url: string, timeoutMs = 3000): Promise<string | undefined> {
  const { Redis } = await import("ioredis");
  let parsed: URL;
  try {
    parsed = new URL(url);
    if (!/^rediss?:$/.test(parsed.protocol)) return `REDIS_URL must be a redis:// URL (${redact(url)})`;
  } catch {
    return `REDIS_URL is not a URL (${redact(url)})`;
  }
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  redis.on("error", (err: Error) => {
    lastError = err;
  });
  try {
    await redis.connect();
    await redis.ping();
    return undefined;
  } catch (err) {
    const reason =
      (lastError as { code?: string } | undefined)?.code === "ECONNREFUSED"
        ? "nothing accepts connections there: is Redis running?"
        : (lastError ?? (err as Error)).message;
    return `Redis at ${parsed.host} (REDIS_URL) did not answer PING: ${reason}`;
  } finally {
    redis.disconnect();
  }
}

/** Whether something already listens on `port` of localhost. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(true));
    server.listen(port, "localhost", () => server.close(() => resolve(false)));
  });
}

/** The checks of DATABASE_URL and REDIS_URL when set (each unset one is embedded: nothing to check). */
export async function checkServices(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const results = await Promise.all([
    env.DATABASE_URL ? checkDatabase(env.DATABASE_URL) : undefined,
    env.REDIS_URL ? checkRedis(env.REDIS_URL) : undefined,
  ]);
  return results.filter((problem): problem is string => problem !== undefined);
}
