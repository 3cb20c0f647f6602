import { ApiError } from "../lib/errors";
import { OpenAPIRouter } from "../lib/openapi-router";
import type { AppEnv } from "../types";

/**
 * A router whose request validation failures become 400 problem+json with `errors[{path,message}]`.
 * Every feature folder builds its routes on one of these.
 */
export function createRouter() {
  return new OpenAPIRouter<AppEnv>({
    strict: false,
    defaultHook: (result) => {
      if (!result.success) throw ApiError.fromZod(result.error);
    },
  });
}
