import type { RequestIdVariables } from "hono/request-id";
import type { Bindings, Config } from "./config";
import type { Database } from "./db/client";
import type { Logger } from "./lib/logger";
import type { ObjectStore } from "./lib/object-store";
import type { AccessIdentity } from "./lib/tokens";
import type { Cache } from "./services/cache";
import type { RateLimits } from "./services/rate-limit";

/** The caller, as proven by a valid access token (set by `requireAuth()`). */
export type AuthContext = AccessIdentity & { via: "bearer" | "cookie" };

/** What services get: the request's clients, never a Hono Context. */
export type Services = {
  config: Config;
  db: Database;
  cache: Cache;
  logger: Logger;
  rateLimits: RateLimits;
  /** Meal photos: the R2 bucket (binding PHOTOS) and this API's origin, for signed URLs. */
  photos: { bucket: ObjectStore | undefined; origin: string };
  /** Keeps work running after the response is sent (`waitUntil`); its failure is logged, not thrown. */
  defer: (work: Promise<unknown>) => void;
};

/** Per-request services, built once by the `services()` middleware and read from `c.var`. */
export type AppVariables = RequestIdVariables &
  Services & {
    /** Always set behind `requireAuth()`; possibly undefined behind `optionalAuth()`. */
    auth: AuthContext;
  };

export type AppEnv = { Bindings: Bindings; Variables: AppVariables };
