import { env } from "cloudflare:test";
import { inject } from "vitest";
import { loadConfig, type Bindings as WorkerBindings } from "../../src/config";
import { createDb } from "../../src/db/client";
import { createLogger } from "../../src/lib/logger";
import { createCache, redisBreaker } from "../../src/services/cache";
import { createRateLimits } from "../../src/services/rate-limit";
import { fenceWrite, forgetUserCacheChecks } from "../../src/services/user-cache";
import type { AuthContext, Services } from "../../src/types";
import { sessionIdOf } from "./auth";
import { sql } from "./db";
import { type Bindings, callJson } from "./http";
import { type Summary, summaryOf } from "./logs";
import { redisCommand } from "./redis";
import type { Account } from "./users";
import { eventually } from "./wait";

/**
 * The per-user read cache in Redis (src/services/user-cache.ts): where an entry lives, whether a
 * read would be served it, and the states a fault leaves behind.
 */

export const FROM = "2026-11-16";
export const TO = "2026-11-22";
/** Short, so a faulty Redis costs each test little. */
export const CACHE_MS = 300;

/** The reads the user cache may serve, by entry name. */
export const CACHED_READS = {
  [`summary:${FROM}:${TO}`]: `/v1/logs/summary?from=${FROM}&to=${TO}`,
  stats: "/v1/users/me/stats",
  badges: "/v1/users/me/badges",
} as const;

/** No Upstash configured: every read is computed from PostgreSQL (the truth to compare with). */
export const POSTGRES_ONLY: Bindings = {
  UPSTASH_REDIS_REST_URL: undefined,
  UPSTASH_REDIS_REST_TOKEN: undefined,
};

/** The local Upstash endpoint behind path prefixes (a fault, a script filter), with the short cache timeout. */
export const upstashWith = (...prefixes: string[]): Bindings => ({
  UPSTASH_REDIS_REST_URL: `${inject("upstashUrl")}${prefixes.map((prefix) => `/${prefix}`).join("")}`,
  CACHE_TIMEOUT_MS: String(CACHE_MS),
});

/**
 * The Redis key a user-cache entry of this session is stored under (`uc:<user>:<name>:<session>`,
 * e.g. name `summary:<from>:<to>`).
 */
export const userCacheKey = (account: Account, name: string) =>
  `uc:${account.user.id}:${name}:${sessionIdOf(account.accessToken)}`;

export const summaryCacheKey = (account: Account, from: string, to: string) =>
  userCacheKey(account, `summary:${from}:${to}`);

/**
 * What Redis holds for an entry (`<version>|<epoch>|<json>`), and whether a read would be served it:
 * at the version Redis knows, in its epoch, with no write fenced.
 */
export async function cachedEntry(account: Account, name: string) {
  const raw = (await redisCommand("GET", userCacheKey(account, name))) as string | null;
  if (raw === null) return undefined;
  const [, version, epoch, json] = /^(\d+)\|([^|]*)\|(.*)$/s.exec(raw) ?? [];
  const [current, currentEpoch, fences] = await Promise.all([
    redisCommand("GET", `uc:${account.user.id}:version`),
    redisCommand("GET", "uc:epoch"),
    redisCommand("ZCARD", `uc:${account.user.id}:fences`),
  ]);
  return {
    version: Number(version),
    epoch: epoch!,
    value: JSON.parse(json!) as unknown,
    servable: String(current) === version && currentEpoch === epoch && Number(fences) === 0,
  };
}

/** Reads until the Worker has stored a servable entry `name` (the next read is a hit); returns the last read. */
export async function warmEntry<T>(account: Account, name: string, read: () => Promise<T>): Promise<T> {
  let value = await read();
  await eventually(async () => {
    if ((await cachedEntry(account, name))?.servable) return true;
    value = await read();
    return false;
  });
  return value;
}

/** Reads the summary and waits until the Worker has stored it in Redis (the next read is a hit). */
export const warmSummary = (account: Account, from: string, to: string): Promise<Summary> =>
  warmEntry(account, `summary:${from}:${to}`, () => summaryOf(account.accessToken, from, to));

/** Every cached read of CACHED_READS once, insisting on 200, by entry name. */
async function readCachedReads(account: Account, bindings?: Bindings) {
  const answers: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(CACHED_READS)) {
    const { status, body } = await callJson(path, { token: account.accessToken, bindings });
    if (status !== 200) throw new Error(`${path} → ${status} ${JSON.stringify(body)}`);
    answers[name] = body;
  }
  return answers;
}

/** What PostgreSQL says the cached reads are, now. */
export const truthOf = (account: Account) => readCachedReads(account, POSTGRES_ONLY);

/** The cached reads as the Worker answers them (Redis first), twice: a fill from the first may serve the second. */
export async function cachedReadsOf(account: Account, bindings?: Bindings) {
  return [await readCachedReads(account, bindings), await readCachedReads(account, bindings)];
}

/** Reads until Redis holds a servable entry of every cached read (the next reads are hits). */
export async function warmAll(account: Account) {
  await eventually(async () => {
    await readCachedReads(account);
    for (const name of Object.keys(CACHED_READS))
      if (!(await cachedEntry(account, name))?.servable) return false;
    return true;
  });
}

export async function databaseVersion(userId: string): Promise<number> {
  const [row] = await sql<{ v: string }>("select cache_version::text as v from users where id = $1", [
    userId,
  ]);
  return Number(row?.v);
}

/**
 * A write whose fence Redis confirmed and which then committed, but whose settle never reaches Redis
 * (lost, or its isolate died after the commit): the fence goes up, then PostgreSQL changes the user's
 * data (every log one calorie more) and bumps the version, as a write batch does; Redis is not told.
 */
export async function commitWithoutSettle(account: Account) {
  const { services } = servicesFor();
  const fence = fenceWrite(services, account.user.id);
  if (!(await fence.confirmed)) throw new Error("the fence did not reach Redis");
  await sql(
    `with bumped as (update users set cache_version = cache_version + 1 where id = $1 returning id)
     update meal_logs set calories = coalesce(calories, 0) + 1 where user_id = (select id from bumped)`,
    [account.user.id],
  );
}

/** Deletes every key of the user from Redis: what a restart without persistence does to them. */
export async function loseUserKeys(userId: string) {
  const keys = (await redisCommand("KEYS", `uc:${userId}:*`)) as string[];
  if (keys.length > 0) await redisCommand("DEL", ...keys);
}

/** An isolate recycled: no breaker state, no epoch checked, no hints. */
export function recycleIsolate() {
  redisBreaker.reset();
  forgetUserCacheChecks();
}

/** A request's services, built as the `services()` middleware builds them, with its deferred work kept. */
export function servicesFor(bindings: Bindings = {}) {
  const config = loadConfig({ ...(env as unknown as WorkerBindings), ...bindings } as WorkerBindings);
  const logger = createLogger({ level: "error" });
  const deferred: Promise<unknown>[] = [];
  const defer = (work: Promise<unknown>) => deferred.push(work.catch(() => {}));
  const cache = createCache(config, logger, defer);
  const services: Services = {
    config,
    db: createDb(config),
    cache,
    logger,
    rateLimits: createRateLimits(cache, config),
    photos: { bucket: undefined, origin: "http://localhost:8787" },
    defer,
  };
  return { services, settled: () => Promise.all(deferred) };
}

export const authOf = (account: Account): AuthContext => ({
  userId: account.user.id,
  sessionId: sessionIdOf(account.accessToken),
  via: "bearer",
});
