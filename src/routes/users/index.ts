import { createRouter } from "../../lib/create-app";
import { requireAuth } from "../../middleware/auth";
import { deleteMeHandler, exportMeHandler, getMeHandler, patchMeHandler } from "./users.handlers";
import { deleteMe, exportMe, getMe, patchMe } from "./users.routes";

const router = createRouter();
router.use("/v1/users/me", requireAuth());
router.use("/v1/users/me/*", requireAuth());

export const usersRouter = router
  .openapi(getMe, getMeHandler)
  .openapi(patchMe, patchMeHandler)
  .openapi(deleteMe, deleteMeHandler)
  .openapi(exportMe, exportMeHandler);
