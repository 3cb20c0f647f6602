import { Redis } from "@upstash/redis/cloudflare";
import { inject } from "vitest";
import { call } from "./http";

/** Redis and the local stack's endpoints, as the Worker reaches them. */

/** True when the run uses the in-memory Redis (ioredis-mock) rather than REDIS_URL. */
export const embeddedRedis = inject("embedded").redis;

/** A raw Redis command through the local Upstash endpoint the Worker uses. */
export async function redisCommand(...command: (string | number)[]): Promise<unknown> {
  const response = await fetch(inject("upstashUrl"), {
    method: "POST",
    headers: { Authorization: `Bearer ${inject("upstashToken")}`, "Content-Type": "application/json" },
    body: JSON.stringify(command),
  });
  return ((await response.json()) as { result: unknown }).result;
}

/** An Upstash client on the local endpoint the Worker uses (real Redis or the in-memory one). */
export const upstash = () => new Redis({ url: inject("upstashUrl"), token: inject("upstashToken") });

/** A port nothing listens on: Redis "down" exactly as a refused connection. */
export const REDIS_DOWN = { UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" };

export type Fault = "none" | "down" | "error" | "hang" | "slow";

/** The Neon endpoint with a per-request fault (stack/control.ts): only this binding's calls break. */
export const neonFault = (mode: Fault) => inject("neonHttpUrl").replace(/\/sql$/, `/__fault/${mode}/sql`);
/** The Upstash endpoint with a per-request fault. */
export const upstashFault = (mode: Fault) => `${inject("upstashUrl")}/__fault/${mode}`;

/**
 * Closes the isolate's Redis circuit breaker (src/lib/breaker.ts; it logs an outage once per
 * isolate): readiness asks Redis itself, through both the Worker's export and a built app.
 */
export async function redisBackUp() {
  await (await call("/health/ready")).arrayBuffer();
  await (await call("/health/ready", { bindings: {} })).arrayBuffer();
}
