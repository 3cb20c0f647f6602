import { createRouter } from "../../lib/create-app";
import { requireAuth } from "../../middleware/auth";
import { listRecentFoodsHandler } from "./recent.handlers";
import { listRecentFoods } from "./recent.routes";

const router = createRouter();
router.use("/v1/foods/recent", requireAuth());

/**
 * GET /v1/foods/recent. Mounted before the catalogue's router (src/app.ts) so "recent" is matched
 * here and never read as a food id by GET /v1/foods/{id}.
 */
export const recentFoodsRouter = router.openapi(listRecentFoods, listRecentFoodsHandler);
