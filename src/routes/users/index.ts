import { requireAuth } from "../../middleware/auth";
import { createRouter } from "../create-router";
import {
  deleteMeHandler,
  exportMeHandler,
  getMeHandler,
  getMyBadgesHandler,
  getPublicProfileHandler,
  getStatsHandler,
  patchMeHandler,
} from "./users.handlers";
import { deleteMe, exportMe, getMe, getMyBadges, getPublicProfile, getStats, patchMe } from "./users.routes";

const router = createRouter();
router.use("/v1/users/me", requireAuth());
router.use("/v1/users/me/*", requireAuth());

// The /me routes come before /{id} so "me" is never read as an id.
export const usersRouter = router
  .openapi(getMe, getMeHandler)
  .openapi(patchMe, patchMeHandler)
  .openapi(deleteMe, deleteMeHandler)
  .openapi(exportMe, exportMeHandler)
  .openapi(getStats, getStatsHandler)
  .openapi(getMyBadges, getMyBadgesHandler)
  .openapi(getPublicProfile, getPublicProfileHandler);
