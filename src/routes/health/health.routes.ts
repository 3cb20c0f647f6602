import { createRoute, headers, json, ProblemSchema, publicRoute } from "../../lib/openapi";
import { ChecksSchema, LiveSchema, ReadySchema } from "./health.schemas";

const tags = ["Health"];

export const live = createRoute({
  method: "get",
  path: "/health",
  operationId: "getLiveness",
  tags,
  security: publicRoute,
  responses: { 200: json(LiveSchema, "Alive") },
});

export const ready = createRoute({
  method: "get",
  path: "/health/ready",
  operationId: "getReadiness",
  tags,
  security: publicRoute,
  responses: {
    200: json(ReadySchema, "Ready"),
    503: {
      description: "The database is unreachable (`Retry-After` set; `checks` tells which check failed).",
      headers: headers("Retry-After"),
      content: { "application/problem+json": { schema: ProblemSchema.extend({ checks: ChecksSchema }) } },
    },
  },
});
