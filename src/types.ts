import type { RequestIdVariables } from "hono/request-id";
import type { Bindings, Config } from "./config";
import type { Database } from "./db/client";
import type { Logger } from "./lib/logger";
import type { Cache } from "./services/cache";

/** Per-request services, built once by the `services()` middleware and read from `c.var`. */
export type AppVariables = RequestIdVariables & {
  config: Config;
  db: Database;
  cache: Cache;
  logger: Logger;
};

export type AppEnv = { Bindings: Bindings; Variables: AppVariables };
