import * as z from "zod";
import { createRoute, headers, json, ProblemSchema, publicRoute } from "../../lib/openapi";

const tags = ["Health"];

export const LiveSchema = z.object({ status: z.literal("ok") }).meta({ id: "Liveness" });

export const ChecksSchema = z.object({
  db: z.enum(["ok", "unavailable"]),
  cache: z.enum(["ok", "disabled", "unavailable"]).meta({
    description:
      "`disabled` when no Upstash is configured; `unavailable` when it is failing (still ready: Redis is optional).",
  }),
});

export const ReadySchema = z
  .object({ status: z.literal("ok"), checks: ChecksSchema })
  .meta({ id: "Readiness" });

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
