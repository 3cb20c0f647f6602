import { requireAuth } from "../../middleware/auth";
import { createRouter } from "../create-router";
import * as handlers from "./foods.handlers";
import * as routes from "./foods.routes";

const router = createRouter();
router.use("/v1/foods", requireAuth());
router.use("/v1/foods/*", requireAuth());

// Fixed paths (/v1/foods/recent, /v1/foods/barcode/{code}) are registered before /v1/foods/{id},
// so "recent" or "barcode" is never read as an id.
export const foodsRouter = router
  .openapi(routes.searchFoods, handlers.searchFoodsHandler)
  .openapi(routes.listRecentFoods, handlers.listRecentFoodsHandler)
  .openapi(routes.lookupBarcode, handlers.lookupBarcodeHandler)
  .openapi(routes.createFood, handlers.createFoodHandler)
  .openapi(routes.getFood, handlers.getFoodHandler)
  .openapi(routes.patchFood, handlers.patchFoodHandler)
  .openapi(routes.deleteFood, handlers.deleteFoodHandler);
