import type { OperationProse } from "../../lib/openapi";

/**
 * The prose of each health operation in the OpenAPI document, by operationId. Only the document
 * generator (src/routes/docs/generate.ts, in Node) reads it: the Worker's bundle carries the routes'
 * schemas, not their descriptions.
 */
export const healthProse: Record<string, OperationProse> = {
  getLiveness: {
    summary: "Liveness: the Worker answers (touches no dependency)",
    description: "For a load balancer or uptime check that must not depend on the database.",
  },
  getReadiness: {
    summary: "Readiness: the database (and the cache, when configured) answer",
    description:
      "Answers within about 3 s either way. Redis is optional: a failing cache is reported, still ready.",
  },
};
