import { optionalAuth } from "../../middleware/auth";
import { createRouter } from "../create-router";
import { listBadgesHandler } from "./badges.handlers";
import { listBadges } from "./badges.routes";

const router = createRouter();
router.use("/v1/badges", optionalAuth());

export const badgesRouter = router.openapi(listBadges, listBadgesHandler);
