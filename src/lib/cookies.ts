import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { ACCESS_TOKEN_TTL_SECONDS, REFRESH_TOKEN_TTL_SECONDS } from "./tokens";

const ACCESS_COOKIE = "access_token";
const REFRESH_COOKIE = "refresh_token";
/** The refresh token is only ever sent to the auth routes. */
const REFRESH_PATH = "/v1/auth";

// Browsers refuse Secure cookies over plain http, which is how `npm run dev` serves localhost.
function secure(c: Context) {
  const url = new URL(c.req.url);
  return !(url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname));
}

export function setAuthCookies(c: Context, tokens: { accessToken: string; refreshToken: string }) {
  const base = { httpOnly: true, secure: secure(c), sameSite: "Lax" as const };
  setCookie(c, ACCESS_COOKIE, tokens.accessToken, { ...base, path: "/", maxAge: ACCESS_TOKEN_TTL_SECONDS });
  setCookie(c, REFRESH_COOKIE, tokens.refreshToken, {
    ...base,
    path: REFRESH_PATH,
    maxAge: REFRESH_TOKEN_TTL_SECONDS,
  });
}

export function clearAuthCookies(c: Context) {
  const base = { httpOnly: true, secure: secure(c), sameSite: "Lax" as const };
  deleteCookie(c, ACCESS_COOKIE, { ...base, path: "/" });
  deleteCookie(c, REFRESH_COOKIE, { ...base, path: REFRESH_PATH });
}

export const readAccessCookie = (c: Context) => getCookie(c, ACCESS_COOKIE);
export const readRefreshCookie = (c: Context) => getCookie(c, REFRESH_COOKIE);
