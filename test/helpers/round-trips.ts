import { inject } from "vitest";
import type { Bindings } from "./http";
import { upstashWith } from "./user-cache";

/**
 * Round trips counted by the local Neon and Upstash endpoints under tags of a test's own (requests,
 * not time): the bindings send a request's database and Redis traffic under fresh tags.
 */
export type RoundTripTags = { db: string; redis: string };

export const roundTripTags = (): RoundTripTags => {
  const id = crypto.randomUUID().slice(0, 8);
  return { db: `db-${id}`, redis: `redis-${id}` };
};

/** Round trips made so far under these tags. */
export async function countedRoundTrips(tag: RoundTripTags) {
  const [db, redis] = await Promise.all([
    fetch(`${inject("neonControlUrl")}/stats?tag=${tag.db}`).then(
      (r) => r.json() as Promise<{ httpRequests: number }>,
    ),
    fetch(`${inject("upstashUrl")}/__stack/stats?tag=${tag.redis}`).then(
      (r) => r.json() as Promise<{ requests: number }>,
    ),
  ]);
  return { db: db.httpRequests, redis: redis.requests };
}

/** Database round trips made so far under these tags. */
export const databaseRoundTrips = async (tag: RoundTripTags) => (await countedRoundTrips(tag)).db;

/** Bindings that send the Worker's database and Redis requests under these tags. */
export const taggedBindings = (tag: RoundTripTags): Bindings => ({
  ...upstashWith(`__tag/${tag.redis}`),
  CACHE_TIMEOUT_MS: "1000",
  NEON_FETCH_ENDPOINT: inject("neonHttpUrl").replace(/\/sql$/, `/__tag/${tag.db}/sql`),
});
