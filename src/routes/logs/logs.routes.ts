import * as z from "zod";
import { authenticated, createRoute, json, jsonBody, noContent, problems } from "../../lib/openapi";
import { idempotencyKeyParameter } from "../idempotency-key";
import { idParams, UUID_EXAMPLE } from "../shared.schemas";
import {
  CreateLogSchema,
  ListLogsQuerySchema,
  LogSchema,
  LogWriteSchema,
  PatchLogSchema,
  SummaryQuerySchema,
  SummarySchema,
} from "./logs.schemas";

const LogIdParams = idParams(UUID_EXAMPLE);

const tags = ["Meal logs"];

export const createLog = createRoute({
  method: "post",
  path: "/v1/logs",
  operationId: "createLog",
  tags,
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
  security: authenticated,
  request: { params: LogIdParams },
  responses: { 200: json(LogSchema, "The log"), ...problems(400, 401, 404, 503) },
});

export const patchLog = createRoute({
  method: "patch",
  path: "/v1/logs/{id}",
  operationId: "updateLog",
  tags,
  security: authenticated,
  request: { params: LogIdParams, body: jsonBody(PatchLogSchema) },
  responses: { 200: json(LogWriteSchema, "Changed"), ...problems(400, 401, 403, 404, 413, 415, 429, 503) },
});

export const deleteLog = createRoute({
  method: "delete",
  path: "/v1/logs/{id}",
  operationId: "deleteLog",
  tags,
  security: authenticated,
  request: { params: LogIdParams },
  responses: { 204: noContent("Deleted"), ...problems(400, 401, 403, 404, 413, 415, 429, 503) },
});

export const summary = createRoute({
  method: "get",
  path: "/v1/logs/summary",
  operationId: "getLogSummary",
  tags,
  security: authenticated,
  request: { query: SummaryQuerySchema },
  responses: { 200: json(SummarySchema, "The summary"), ...problems(400, 401, 503) },
});
