import { env } from "cloudflare:test";
import { neon, neonConfig } from "@neondatabase/serverless";
import { decode, sign } from "hono/jwt";
import { expect, inject } from "vitest";
import { buildApp } from "../../src/app";
import { DEFAULT_PASSWORD, uniqueEmail, uniqueIp } from "../helpers/factories";
import { BASE_URL, callJson, expectProblem } from "../helpers/http";

/** The bindings of vitest.config.ts and wrangler.toml that the auth suites reason about. */
export const JWT = {
  secret: "test-only-secret-0123456789abcdef0123456789",
  issuer: "sikdan",
  audience: "sikdan-api",
} as const;
/** CORS_ORIGINS in wrangler.toml. */
export const ALLOWED_ORIGINS = ["http://localhost:3000", "http://127.0.0.1:5173"] as const;
/** The API's own origin as the suites call it (test/helpers/http.ts BASE_URL). */
export const OWN_ORIGIN = new URL(BASE_URL).origin;
export const EVIL_ORIGIN = "https://evil.example";
export const ACCESS_TTL = 15 * 60;
export const REFRESH_TTL = 30 * 24 * 60 * 60;

/** True when the run uses the in-memory Redis (ioredis-mock) rather than REDIS_URL. */
export const embeddedRedis = inject("embedded").redis;

export type AuthCallOptions = {
  method?: string;
  body?: unknown;
  /** Client address (CF-Connecting-IP); a fresh unique one when omitted. */
  ip?: string;
  /** Access token sent as `Authorization: Bearer`. */
  token?: string;
  /** A `Cookie` header value. */
  cookie?: string;
  origin?: string;
  headers?: Record<string, string>;
};

/**
 * `callJson` with the headers auth calls care about (client IP, cookie, Origin). The returned
 * `response` is an unread copy, so `expectProblem(result.response, status)` still works.
 */
export async function api<T = any>(path: string, options: AuthCallOptions = {}) {
  const headers: Record<string, string> = {
    "CF-Connecting-IP": options.ip ?? uniqueIp(),
    ...options.headers,
  };
  if (options.cookie !== undefined) headers.Cookie = options.cookie;
  if (options.origin !== undefined) headers.Origin = options.origin;
  return callJson<T>(path, { method: options.method, body: options.body, token: options.token, headers });
}

export type Account = {
  user: {
    id: string;
    email: string;
    displayName: string;
    timezone: string;
    dayStartHour: number;
    goals: { calories: number | null; proteinG: number | null; carbsG: number | null; fatG: number | null };
    createdAt: string;
  };
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  email: string;
  password: string;
  cookies: string[];
};

/** Signs a user up from a given address (the factories' signUp picks its own). */
export async function signUpFrom(
  ip: string,
  overrides: Partial<{ email: string; password: string; displayName: string; timezone: string }> = {},
): Promise<Account> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? DEFAULT_PASSWORD;
  const { status, body, response } = await api("/v1/auth/signup", {
    ip,
    body: {
      email,
      password,
      displayName: overrides.displayName ?? "Test User",
      timezone: overrides.timezone ?? "Asia/Seoul",
    },
  });
  if (status !== 201) throw new Error(`signup failed: ${status} ${JSON.stringify(body)}`);
  return { ...body, email, password, cookies: response.headers.getSetCookie() };
}

/** Logs in and insists on 200; returns the body and the Set-Cookie headers. */
export async function logIn(email: string, password: string, ip = uniqueIp()): Promise<Account> {
  const { status, body, response } = await api("/v1/auth/login", { ip, body: { email, password } });
  if (status !== 200) throw new Error(`login failed: ${status} ${JSON.stringify(body)}`);
  return { ...body, email, password, cookies: response.headers.getSetCookie() };
}

export const getMe = (token: string) => api("/v1/users/me", { token });

/** The claims of a JWT, unverified. */
export const claimsOf = (token: string) => decode(token).payload as Record<string, unknown>;
export const headerOf = (token: string) => decode(token).header as unknown as Record<string, unknown>;
export const sessionIdOf = (token: string) => claimsOf(token).sid as string;

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Signs an access token by hand: valid claims for `identity` unless overridden (undefined drops one). */
export function forgeAccessToken(
  identity: { sub: string; sid: string },
  overrides: Record<string, unknown> = {},
  secret: string = JWT.secret,
  alg: "HS256" | "HS384" | "HS512" = "HS256",
) {
  const now = nowSeconds();
  const claims: Record<string, unknown> = {
    sub: identity.sub,
    sid: identity.sid,
    iat: now,
    exp: now + ACCESS_TTL,
    iss: JWT.issuer,
    aud: JWT.audience,
    ...overrides,
  };
  for (const key of Object.keys(claims)) if (claims[key] === undefined) delete claims[key];
  return sign(claims as Parameters<typeof sign>[0], secret, alg);
}

export const base64UrlJson = (value: unknown) =>
  btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

/** The app with other bindings (a rotated JWT secret, Redis down, …), as the edge would call it. */
export function withBindings(overrides: Record<string, string | undefined>) {
  const bindings = { ...env, ...overrides };
  return (url: string, init: RequestInit = {}) => buildApp().request(new URL(url, BASE_URL), init, bindings);
}

export function jsonInit(
  body: unknown,
  options: { method?: string; headers?: Record<string, string> } = {},
): RequestInit {
  return {
    method: options.method ?? "POST",
    headers: { "content-type": "application/json", "CF-Connecting-IP": uniqueIp(), ...options.headers },
    body: JSON.stringify(body),
  };
}

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

/** `Cookie` header with only the named cookies of a response's Set-Cookie headers. */
export function cookieFrom(setCookies: string[], ...names: string[]) {
  return names.map((name) => `${name}=${setCookie(setCookies, name).value}`).join("; ");
}

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

/**
 * The limits are sliding windows over fixed buckets: a run that straddles a bucket boundary sees
 * the earlier hits weighted down, and would need one more hit to reach the limit. A test that must
 * reach a limit in `neededMs` waits for the next bucket when the current one ends sooner.
 */
export async function awayFromWindowEdge(windowSeconds: number, neededMs: number) {
  const windowMs = windowSeconds * 1000;
  const left = windowMs - (Date.now() % windowMs);
  if (left < neededMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

/** Polls until `check` is true (for work the Worker defers past its response), at most `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A raw Redis command through the local Upstash endpoint. */
export async function redisCommand(...command: (string | number)[]) {
  const response = await fetch(inject("upstashUrl"), {
    method: "POST",
    headers: { Authorization: `Bearer ${inject("upstashToken")}`, "Content-Type": "application/json" },
    body: JSON.stringify(command),
  });
  return ((await response.json()) as { result: unknown }).result;
}

/**
 * Direct SQL on the test database, for what the API never shows (how a password is stored) or a
 * state it cannot reach in a test's time (an expired session). The endpoint is the one the Worker's
 * NEON_FETCH_ENDPOINT binding names, so setting it globally changes nothing for the app.
 */
export async function sql<T = Record<string, unknown>>(query: string, params: unknown[] = []) {
  neonConfig.fetchEndpoint = inject("neonHttpUrl");
  const client = neon((env as unknown as { DATABASE_URL: string }).DATABASE_URL);
  return (await client.query(query, params)) as T[];
}

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
