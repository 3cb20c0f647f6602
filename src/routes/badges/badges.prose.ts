import type { OperationProse } from "../../lib/openapi";

/**
 * The prose of each badges operation in the OpenAPI document, by operationId. Only the document
 * generator (src/routes/docs/generate.ts, in Node) reads it: the Worker's bundle carries the routes'
 * schemas, not their descriptions.
 */
export const badgesProse: Record<string, OperationProse> = {
  listBadges: {
    summary: "Every badge there is",
    description: "`earned`/`earnedAt` are the caller's when signed in (false/null otherwise).",
  },
};
