import type { Bindings } from "./config";
import { createServices } from "./create-services";
import type { Services } from "./types";

/**
 * The services of work that no request carries (the Cron Trigger): the same clients a request
 * gets, with deferred work kept alive by the invocation's context.
 */
export function backgroundServices(
  env: Bindings,
  ctx: Pick<ExecutionContext, "waitUntil">,
  fields: Record<string, unknown>,
): Services {
  return createServices(env, { fields, waitUntil: (work) => ctx.waitUntil(work), origin: "" });
}
