import { decode, sign } from "hono/jwt";
import { expect } from "vitest";
import { nowSeconds } from "./dates";
import { sql } from "./db";
import { BASE_URL, type CallOptions, callJson, expectProblem, uniqueIp } from "./http";

/** Tokens, cookies, origins and rate limits: what the auth suites (and the attacks) reason about. */

/** The JWT settings of vitest.config.ts and wrangler.toml. */
export const JWT = {
  secret: "test-only-secret-0123456789abcdef0123456789",
  issuer: "sikdan",
  audience: "sikdan-api",
} as const;
/** CORS_ORIGINS in wrangler.toml. */
export const ALLOWED_ORIGINS = ["http://localhost:3000", "http://127.0.0.1:5173"] as const;
/** The API's own origin as the suites call it (BASE_URL). */
export const OWN_ORIGIN = new URL(BASE_URL).origin;
export const EVIL_ORIGIN = "https://evil.example";
export const ACCESS_TTL = 15 * 60;
export const REFRESH_TTL = 30 * 24 * 60 * 60;

/** `callJson` from a client address (a fresh unique one unless `ip` is given), as auth calls are made. */
export const authCall = <T = any>(path: string, options: CallOptions = {}) =>
  callJson<T>(path, { ...options, ip: options.ip ?? uniqueIp() });

/** POST /v1/auth/login as is (any status), from `ip` (a fresh one unless given). */
export const postLogin = (email: string, password: string, ip?: string) =>
  authCall("/v1/auth/login", { ip, body: { email, password } });

/** POST /v1/auth/refresh with a refresh token in the body, as is (any status). */
export const postRefresh = (refreshToken: string) => authCall("/v1/auth/refresh", { body: { refreshToken } });

// ---- JWTs ---------------------------------------------------------------------------------------

/** The claims of a JWT, unverified. */
export const claimsOf = (token: string) => decode(token).payload as Record<string, unknown>;
export const headerOf = (token: string) => decode(token).header as unknown as Record<string, unknown>;
export const sessionIdOf = (token: string) => claimsOf(token).sid as string;

/** Standard claims for `sub`/`sid`, valid now. */
export const claimsFor = (sub: string, sid: string, overrides: Record<string, unknown> = {}) => ({
  sub,
  sid,
  iat: nowSeconds(),
  exp: nowSeconds() + ACCESS_TTL,
  iss: JWT.issuer,
  aud: JWT.audience,
  ...overrides,
});

/** Signs an access token by hand: valid claims for `identity` unless overridden (undefined drops one). */
export function forgeAccessToken(
  identity: { sub: string; sid: string },
  overrides: Record<string, unknown> = {},
  secret: string = JWT.secret,
  alg: "HS256" | "HS384" | "HS512" = "HS256",
) {
  const claims: Record<string, unknown> = claimsFor(identity.sub, identity.sid, overrides);
  for (const key of Object.keys(claims)) if (claims[key] === undefined) delete claims[key];
  return sign(claims as Parameters<typeof sign>[0], secret, alg);
}

/** A correctly signed token with exactly the given claims. */
export function forgeHs(
  claims: Record<string, unknown>,
  secret: string = JWT.secret,
  alg: "HS256" | "HS512" = "HS256",
) {
  return sign(claims, secret, alg);
}

/** base64url of a text's UTF-8 bytes (no padding). */
export const base64url = (text: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");

/** base64url of a JSON value: how a hand-made cursor or JWT part looks. */
export const base64UrlJson = (value: unknown) => base64url(JSON.stringify(value));

/** A JWT assembled by hand: any header, any payload, any signature text. */
export const rawJwt = (header: Record<string, unknown>, payload: Record<string, unknown>, signature = "") =>
  `${base64UrlJson(header)}.${base64UrlJson(payload)}.${signature}`;

export async function sha256Hex(text: string) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Moves a session's refresh-token rotations `seconds` into the past, beyond the reuse grace period
 * (REUSE_GRACE_SECONDS), so a replayed token counts as a copy rather than a racing tab.
 */
export async function ageRotations(accessOrSessionId: string, seconds = 60) {
  const sessionId = accessOrSessionId.includes(".") ? sessionIdOf(accessOrSessionId) : accessOrSessionId;
  await sql(
    "update refresh_tokens set rotated_at = rotated_at - make_interval(secs => $2), created_at = created_at - make_interval(secs => $2) where session_id = $1",
    [sessionId, seconds],
  );
}

// ---- cookies ------------------------------------------------------------------------------------

export type ParsedCookie = { name: string; value: string; attributes: Record<string, string | true> };

/** Parses the Set-Cookie header named `name` (attribute names lower-cased). */
export function setCookie(setCookies: string[], name: string): ParsedCookie {
  const line = setCookies.find((cookie) => cookie.startsWith(`${name}=`));
  if (!line) throw new Error(`no Set-Cookie for ${name} in ${JSON.stringify(setCookies)}`);
  const [pair, ...parts] = line.split(";").map((part) => part.trim());
  const attributes: Record<string, string | true> = {};
  for (const part of parts) {
    const eq = part.indexOf("=");
    if (eq === -1) attributes[part.toLowerCase()] = true;
    else attributes[part.slice(0, eq).toLowerCase()] = part.slice(eq + 1);
  }
  return { name, value: pair!.slice(name.length + 1), attributes };
}

/** `Cookie` header with only the named cookies of a response's Set-Cookie headers. */
export function cookieFrom(setCookies: string[], ...names: string[]) {
  return names.map((name) => `${name}=${setCookie(setCookies, name).value}`).join("; ");
}

/** Cookie header value made of the `name=value` parts of every Set-Cookie header (cleared ones left out). */
export const cookieHeader = (setCookies: string[]) =>
  setCookies
    .map((cookie) => cookie.split(";")[0]!)
    .filter((pair) => !pair.endsWith("="))
    .join("; ");

/** Asserts the Set-Cookie headers clear both auth cookies (same paths as they were set with). */
export function expectAuthCookiesCleared(setCookies: string[]) {
  const access = setCookie(setCookies, "access_token");
  const refresh = setCookie(setCookies, "refresh_token");
  expect(access.value).toBe("");
  expect(access.attributes["max-age"]).toBe("0");
  expect(access.attributes.path).toBe("/");
  expect(refresh.value).toBe("");
  expect(refresh.attributes["max-age"]).toBe("0");
  expect(refresh.attributes.path).toBe("/v1/auth");
}

// ---- rate limits --------------------------------------------------------------------------------

/** Asserts a 429 problem with Retry-After and the RateLimit-* headers; returns the problem. */
export async function expectRateLimited(response: Response, limit: number, windowSeconds: number) {
  const retryAfter = Number(response.headers.get("retry-after"));
  const problem = await expectProblem(response, 429);
  expect(problem.code).toBe("RATE_LIMITED");
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  expect(response.headers.get("ratelimit-limit")).toBe(String(limit));
  expect(response.headers.get("ratelimit-remaining")).toBe("0");
  expect(Number(response.headers.get("ratelimit-reset"))).toBe(retryAfter);
  return problem;
}
