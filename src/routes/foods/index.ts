import { createRouter } from "../../lib/create-app";
import { requireAuth } from "../../middleware/auth";
import * as handlers from "./foods.handlers";
import * as routes from "./foods.routes";

const router = createRouter();
router.use("/v1/foods", requireAuth());
router.use("/v1/foods/*", requireAuth());

// Fixed paths (/v1/foods/barcode/{code}, and GET /v1/foods/recent when it comes) are registered
// before /v1/foods/{id}, so "barcode" or "recent" is never read as an id.
export const foodsRouter = router
  .openapi(routes.searchFoods, handlers.searchFoodsHandler)
  .openapi(routes.lookupBarcode, handlers.lookupBarcodeHandler)
  .openapi(routes.createFood, handlers.createFoodHandler)
  .openapi(routes.getFood, handlers.getFoodHandler)
  .openapi(routes.patchFood, handlers.patchFoodHandler)
  .openapi(routes.deleteFood, handlers.deleteFoodHandler);
