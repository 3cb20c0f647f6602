import type { AuthContext, Services } from "../types";
import { enforce } from "./rate-limit";
import { beginWrite, endWrite } from "./user-cache";

/**
 * Runs a user's write under the per-user write limit and the cache protocol of user-cache.ts: the
 * rate limit and the cache bump share one pipelined Redis round trip before the database write, and
 * the in-flight mark is lowered after it, whatever happened.
 */
export async function asUserWrite<T>(
  services: Services,
  auth: AuthContext,
  run: () => Promise<T>,
): Promise<T> {
  const [limit] = await Promise.all([
    services.rateLimits.consume("writesPerUser", auth.userId),
    beginWrite(services, auth.userId),
  ]);
  try {
    enforce(limit, "writes");
    return await run();
  } finally {
    endWrite(services, auth.userId);
  }
}
