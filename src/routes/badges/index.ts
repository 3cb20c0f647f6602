import { createRouter } from "../../lib/create-app";
import { optionalAuth } from "../../middleware/auth";
import { listBadgesHandler } from "./badges.handlers";
import { listBadges } from "./badges.routes";

const router = createRouter();
router.use("/v1/badges", optionalAuth());

export const badgesRouter = router.openapi(listBadges, listBadgesHandler);
