import { requireAuth } from "../../middleware/auth";
import { createRouter } from "../create-router";
import * as handlers from "./challenges.handlers";
import * as routes from "./challenges.routes";

const router = createRouter();
router.use("/v1/challenges", requireAuth());
router.use("/v1/challenges/*", requireAuth());

export const challengesRouter = router
  .openapi(routes.listChallenges, handlers.listChallengesHandler)
  .openapi(routes.createChallenge, handlers.createChallengeHandler)
  .openapi(routes.getChallenge, handlers.getChallengeHandler)
  .openapi(routes.patchChallenge, handlers.patchChallengeHandler)
  .openapi(routes.deleteChallenge, handlers.deleteChallengeHandler)
  .openapi(routes.joinChallenge, handlers.joinChallengeHandler)
  .openapi(routes.leaveChallenge, handlers.leaveChallengeHandler)
  .openapi(routes.getProgress, handlers.getProgressHandler)
  .openapi(routes.getLeaderboard, handlers.getLeaderboardHandler);
