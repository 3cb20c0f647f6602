import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { readAccessCookie } from "../lib/cookies";
import { ApiError } from "../lib/errors";
import { verifyAccessToken } from "../lib/tokens";
import type { AppEnv } from "../types";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF defence for cookie-authenticated writes: a browser always sends `Origin` on a cross-origin
 * POST/PATCH/DELETE, so one that is neither listed in CORS_ORIGINS nor the API's own is refused.
 */
export function assertAllowedOrigin(c: Context<AppEnv>) {
  if (SAFE_METHODS.has(c.req.method)) return;
  const origin = c.req.header("origin");
  if (!origin) return;
  if (origin === new URL(c.req.url).origin || c.var.config.corsOrigins.includes(origin)) return;
  throw new ApiError("FORBIDDEN", { detail: "Cross-site request refused: this origin is not allowed." });
}

const unauthenticated = (detail: string) =>
  new ApiError("UNAUTHENTICATED", {
    detail,
    headers: { "WWW-Authenticate": 'Bearer realm="sikdan", error="invalid_token"' },
  });

/** The access token of the request: `Authorization: Bearer` first, else the `access_token` cookie. */
export function readAccessToken(c: Context<AppEnv>) {
  const header = c.req.header("authorization");
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1] ? { token: match[1], via: "bearer" as const } : undefined;
  }
  const cookie = readAccessCookie(c);
  return cookie ? { token: cookie, via: "cookie" as const } : undefined;
}

async function authenticate(c: Context<AppEnv>, required: boolean) {
  const presented = readAccessToken(c);
  if (!presented) {
    if (required) throw unauthenticated("Sign in first: no access token was sent.");
    return;
  }
  if (presented.via === "cookie") assertAllowedOrigin(c);
  const identity = await verifyAccessToken(presented.token, c.var.config.jwt);
  if (!identity) throw unauthenticated("The access token is invalid or has expired.");
  c.set("auth", { ...identity, via: presented.via });
  c.set("logger", c.var.logger.with({ userId: identity.userId }));
}

/**
 * Requires a valid access token (signature, alg, exp, iss, aud) and sets `c.var.auth`. Whether the
 * session is still active is checked by the request's own database batch (`guarded`), so this adds
 * no round trip.
 *
 * @example
 * router.use("/v1/users/me/*", requireAuth());
 */
export const requireAuth = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    await authenticate(c, true);
    await next();
  });

/**
 * Like `requireAuth()`, for routes that also answer anonymous callers: no token leaves `c.var.auth`
 * unset, but a token that is sent must be valid (a client that believes it is signed in learns it
 * is not).
 */
export const optionalAuth = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    await authenticate(c, false);
    await next();
  });
