import { requireAuth } from "../../middleware/auth";
import { createRouter } from "../create-router";
import {
  changePasswordHandler,
  loginHandler,
  logoutHandler,
  refreshHandler,
  signupHandler,
} from "./auth.handlers";
import { changePassword, login, logout, refresh, signup } from "./auth.routes";

const router = createRouter();
router.use(changePassword.getRoutingPath(), requireAuth());

export const authRouter = router
  .openapi(signup, signupHandler)
  .openapi(login, loginHandler)
  .openapi(refresh, refreshHandler)
  .openapi(logout, logoutHandler)
  .openapi(changePassword, changePasswordHandler);
