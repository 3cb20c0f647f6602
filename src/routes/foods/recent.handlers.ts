import type { RouteHandler } from "@hono/zod-openapi";
import { recentFoods } from "../../services/recent-foods";
import type { AppEnv } from "../../types";
import type { listRecentFoods } from "./recent.routes";

export const listRecentFoodsHandler: RouteHandler<typeof listRecentFoods, AppEnv> = async (c) =>
  c.json(await recentFoods(c.var, c.var.auth), 200);
