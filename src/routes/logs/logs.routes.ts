import * as z from "zod";
import { authenticated, createRoute, json, jsonBody, noContent, problems } from "../../lib/openapi";
import { idempotencyKeyParameter } from "../idempotency-key";
import {
  CreateLogSchema,
  IdParamSchema,
  ListLogsQuerySchema,
  LogSchema,
  LogWriteSchema,
  PatchLogSchema,
  SummaryQuerySchema,
  SummarySchema,
} from "./logs.schemas";

const tags = ["Meal logs"];

export const createLog = createRoute({
  method: "post",
  path: "/v1/logs",
  operationId: "createLog",
  tags,
  summary: "Log a meal",
  description:
    "Its `localDate` is computed from `eatenAt` in the user's time zone and day start, and kept. `events` lists the challenge progress, completions and badges this write caused. With an `Idempotency-Key`, the same key and body within 24 h answer the first response again (header `Idempotent-Replayed: true`) and create nothing; the same key with another body is 409.",
  security: authenticated,
  parameters: [idempotencyKeyParameter],
  request: { body: jsonBody(CreateLogSchema) },
  responses: {
    201: json(LogWriteSchema, "Logged", "Idempotent-Replayed"),
    ...problems(400, 401, 403, 409, 413, 415, 429, 503),
  },
});

export const listLogs = createRoute({
  method: "get",
  path: "/v1/logs",
  operationId: "listLogs",
  tags,
  summary: "The user's logs, newest first",
  description: "`from`/`to` are inclusive days. Pages are stable: follow `nextCursor` until it is null.",
  security: authenticated,
  request: { query: ListLogsQuerySchema },
  responses: {
    200: json(z.object({ items: z.array(LogSchema), nextCursor: z.string().nullable() }), "A page of logs"),
    ...problems(400, 401, 503),
  },
});

export const getLog = createRoute({
  method: "get",
  path: "/v1/logs/{id}",
  operationId: "getLog",
  tags,
  summary: "One log",
  description: "Another user's log is 404, like one that does not exist.",
  security: authenticated,
  request: { params: IdParamSchema },
  responses: { 200: json(LogSchema, "The log"), ...problems(400, 401, 404, 503) },
});

export const patchLog = createRoute({
  method: "patch",
  path: "/v1/logs/{id}",
  operationId: "updateLog",
  tags,
  summary: "Change a log",
  description: "A new `eatenAt` moves the log to the day the user's current time zone gives it.",
  security: authenticated,
  request: { params: IdParamSchema, body: jsonBody(PatchLogSchema) },
  responses: { 200: json(LogWriteSchema, "Changed"), ...problems(400, 401, 403, 404, 413, 415, 429, 503) },
});

export const deleteLog = createRoute({
  method: "delete",
  path: "/v1/logs/{id}",
  operationId: "deleteLog",
  tags,
  summary: "Delete a log",
  description: "Challenge progress goes down with it; completions and badges already earned stay.",
  security: authenticated,
  request: { params: IdParamSchema },
  responses: { 204: noContent("Deleted"), ...problems(400, 401, 403, 404, 413, 415, 429, 503) },
});

export const summary = createRoute({
  method: "get",
  path: "/v1/logs/summary",
  operationId: "getLogSummary",
  tags,
  summary: "Daily totals against the goals",
  description: "One entry per day from `from` to `to` (inclusive, at most 93 days), empty days included.",
  security: authenticated,
  request: { query: SummaryQuerySchema },
  responses: { 200: json(SummarySchema, "The summary"), ...problems(400, 401, 503) },
});
