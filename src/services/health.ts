import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import type { Cache, CacheStatus } from "./cache";

export type Readiness = { db: "ok" | "unavailable"; cache: CacheStatus };

/** Readiness must answer within 3 s even when a dependency hangs. */
const READINESS_TIMEOUT_MS = 2000;

const within = <T>(promise: Promise<T>, ms: number, fallback: T) =>
  Promise.race([promise, new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms))]);

/** Probes the database and the cache in parallel; never throws. */
export async function checkReadiness(db: Database, cache: Cache): Promise<Readiness> {
  const dbCheck = db.execute(sql`select 1`).then(
    () => "ok" as const,
    () => "unavailable" as const,
  );
  const [dbStatus, cacheStatus] = await Promise.all([
    within(dbCheck, READINESS_TIMEOUT_MS, "unavailable" as const),
    within(cache.ping(), READINESS_TIMEOUT_MS, "unavailable" as const),
  ]);
  return { db: dbStatus, cache: cacheStatus };
}
