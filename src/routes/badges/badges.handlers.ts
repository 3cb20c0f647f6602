import type { RouteHandler } from "@hono/zod-openapi";
import { getBadgeCatalog } from "../../services/profile";
import type { AppEnv } from "../../types";
import type { listBadges } from "./badges.routes";

export const listBadgesHandler: RouteHandler<typeof listBadges, AppEnv> = async (c) =>
  c.json(await getBadgeCatalog(c.var, c.get("auth") as AppEnv["Variables"]["auth"] | undefined), 200);
