import type { RouteHandler } from "@hono/zod-openapi";
import * as logs from "../../services/logs";
import { getSummary } from "../../services/summary";
import type { AppEnv } from "../../types";
import { idempotencyKeyOf } from "../idempotency-key";
import type { createLog, deleteLog, getLog, listLogs, patchLog, summary } from "./logs.routes";

export const createLogHandler: RouteHandler<typeof createLog, AppEnv> = async (c) => {
  const input = c.req.valid("json");
  const fields: logs.LogFields = {
    mealType: input.mealType,
    eatenAt: new Date(input.eatenAt).toISOString(),
    title: input.title,
    note: input.note ?? null,
    photoUrl: input.photoUrl ?? null,
    calories: input.calories ?? null,
    proteinG: input.proteinG ?? null,
    carbsG: input.carbsG ?? null,
    fatG: input.fatG ?? null,
    tags: input.tags ?? [],
    items: input.items ?? null,
  };
  const result = await logs.createLog(c.var, c.var.auth, fields, idempotencyKeyOf(c));
  if (result.replayed) {
    c.header("Idempotent-Replayed", "true");
    return c.json(result.body as logs.LogWriteResult, 201);
  }
  return c.json({ log: result.log, events: result.events }, 201);
};

export const listLogsHandler: RouteHandler<typeof listLogs, AppEnv> = async (c) =>
  c.json(await logs.listLogs(c.var, c.var.auth, c.req.valid("query")), 200);

export const getLogHandler: RouteHandler<typeof getLog, AppEnv> = async (c) =>
  c.json(await logs.getLog(c.var, c.var.auth, c.req.valid("param").id), 200);

export const patchLogHandler: RouteHandler<typeof patchLog, AppEnv> = async (c) => {
  const { eatenAt, ...rest } = c.req.valid("json");
  const patch: logs.LogPatch =
    eatenAt === undefined ? rest : { ...rest, eatenAt: new Date(eatenAt).toISOString() };
  return c.json(await logs.patchLog(c.var, c.var.auth, c.req.valid("param").id, patch), 200);
};

export const deleteLogHandler: RouteHandler<typeof deleteLog, AppEnv> = async (c) => {
  await logs.deleteLog(c.var, c.var.auth, c.req.valid("param").id);
  return c.body(null, 204);
};

export const summaryHandler: RouteHandler<typeof summary, AppEnv> = async (c) => {
  const { from, to } = c.req.valid("query");
  return c.json(await getSummary(c.var, c.var.auth, from, to), 200);
};
