import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { clearAuthCookies, readRefreshCookie, setAuthCookies } from "../../lib/cookies";
import { ApiError } from "../../lib/errors";
import { canonicalTimeZone, DEFAULT_TIME_ZONE } from "../../lib/time-zone";
import { verifyAccessToken } from "../../lib/tokens";
import { assertAllowedOrigin, readAccessToken } from "../../middleware/auth";
import * as auth from "../../services/auth";
import * as sessions from "../../services/sessions";
import type { AppEnv } from "../../types";
import type { changePassword, login, logout, refresh, signup } from "./auth.routes";

const clientMeta = (c: Context<AppEnv>): auth.ClientMeta => ({ ip: c.req.header("cf-connecting-ip") });

/**
 * The edge's guess from the request (`request.cf.timezone`), when it names a real zone and the
 * deployment trusts it (`EDGE_TIMEZONE_GUESS`: off locally, where `cf` is a placeholder).
 */
function edgeTimeZone(c: Context<AppEnv>) {
  if (!c.var.config.edgeTimeZoneGuess) return undefined;
  const guess = (c.req.raw as { cf?: { timezone?: unknown } }).cf?.timezone;
  return typeof guess === "string" ? canonicalTimeZone(guess) : undefined;
}

/** The refresh token from the body, else from the cookie (then the request must pass the CSRF check). */
function presentedRefreshToken(c: Context<AppEnv>, fromBody: string | undefined) {
  if (fromBody) return fromBody;
  const cookie = readRefreshCookie(c);
  if (cookie) assertAllowedOrigin(c);
  return cookie;
}

export const signupHandler: RouteHandler<typeof signup, AppEnv> = async (c) => {
  const input = c.req.valid("json");
  const timezone = input.timezone ?? edgeTimeZone(c) ?? DEFAULT_TIME_ZONE;
  const result = await auth.signup(c.var, { ...input, timezone }, clientMeta(c));
  setAuthCookies(c, result);
  return c.json(result, 201);
};

export const loginHandler: RouteHandler<typeof login, AppEnv> = async (c) => {
  const result = await auth.login(c.var, c.req.valid("json"), clientMeta(c));
  setAuthCookies(c, result);
  return c.json(result, 200);
};

export const refreshHandler: RouteHandler<typeof refresh, AppEnv> = async (c) => {
  const token = presentedRefreshToken(c, c.req.valid("json")?.refreshToken);
  if (!token) throw new ApiError("UNAUTHENTICATED", { detail: "No refresh token was sent." });
  try {
    const result = await sessions.refresh(c.var, token, clientMeta(c));
    setAuthCookies(c, result);
    return c.json(result, 200);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) clearAuthCookies(c);
    throw err;
  }
};

export const logoutHandler: RouteHandler<typeof logout, AppEnv> = async (c) => {
  const access = readAccessToken(c);
  if (access?.via === "cookie") assertAllowedOrigin(c);
  const identity = access && (await verifyAccessToken(access.token, c.var.config.jwt));
  const refreshToken = identity ? undefined : presentedRefreshToken(c, c.req.valid("json")?.refreshToken);
  const sessionId =
    identity?.sessionId ?? (refreshToken && (await sessions.sessionOfRefreshToken(c.var, refreshToken)));
  if (!sessionId) throw new ApiError("UNAUTHENTICATED", { detail: "No valid session to sign out of." });
  await sessions.logout(c.var, sessionId, clientMeta(c));
  clearAuthCookies(c);
  return c.body(null, 204);
};

export const changePasswordHandler: RouteHandler<typeof changePassword, AppEnv> = async (c) => {
  await auth.changePassword(c.var, c.var.auth, c.req.valid("json"), clientMeta(c));
  return c.body(null, 204);
};
