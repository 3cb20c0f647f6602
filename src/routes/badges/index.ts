import type { RouteHandler } from "@hono/zod-openapi";
import { createRouter } from "../../lib/create-app";
import { optionalAuth } from "../../middleware/auth";
import { getBadgeCatalog } from "../../services/profile";
import type { AppEnv } from "../../types";
import { listBadges } from "./badges.routes";

const listBadgesHandler: RouteHandler<typeof listBadges, AppEnv> = async (c) =>
  c.json(await getBadgeCatalog(c.var, c.get("auth") as AppEnv["Variables"]["auth"] | undefined), 200);

const router = createRouter();
router.use("/v1/badges", optionalAuth());

export const badgesRouter = router.openapi(listBadges, listBadgesHandler);
