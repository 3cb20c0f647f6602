import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { JWT } from "./auth";
import { BASE_URL, type Bindings, fetchWith } from "./http";

/**
 * Requests exactly as a (hostile) client puts them on the wire, and the API's promises that hold
 * for every response whatever the request: the hardening suites' runner.
 */

/** Every route of the API, as method and path template (`{id}` = a path parameter). */
export const ROUTES: [string, string][] = [
  ["GET", "/health"],
  ["GET", "/health/ready"],
  ["GET", "/openapi.json"],
  ["GET", "/docs"],
  ["POST", "/v1/auth/signup"],
  ["POST", "/v1/auth/login"],
  ["POST", "/v1/auth/refresh"],
  ["POST", "/v1/auth/logout"],
  ["POST", "/v1/auth/password"],
  ["GET", "/v1/users/me"],
  ["PATCH", "/v1/users/me"],
  ["DELETE", "/v1/users/me"],
  ["GET", "/v1/users/me/export"],
  ["GET", "/v1/users/me/stats"],
  ["GET", "/v1/users/me/badges"],
  ["GET", "/v1/users/{id}"],
  ["POST", "/v1/logs"],
  ["GET", "/v1/logs"],
  ["GET", "/v1/logs/summary"],
  ["GET", "/v1/logs/{id}"],
  ["PATCH", "/v1/logs/{id}"],
  ["DELETE", "/v1/logs/{id}"],
  ["GET", "/v1/badges"],
  ["GET", "/v1/challenges"],
  ["POST", "/v1/challenges"],
  ["GET", "/v1/challenges/{id}"],
  ["PATCH", "/v1/challenges/{id}"],
  ["DELETE", "/v1/challenges/{id}"],
  ["POST", "/v1/challenges/{id}/join"],
  ["DELETE", "/v1/challenges/{id}/join"],
  ["GET", "/v1/challenges/{id}/progress"],
  ["GET", "/v1/challenges/{id}/leaderboard"],
];

export type Req = {
  method?: string;
  /** Path and query as they go on the wire (already percent-encoded where wanted). */
  path: string;
  headers?: Record<string, string>;
  /** A JSON value, encoded with `Content-Type: application/json` unless one is given. */
  json?: unknown;
  /** A raw body, sent as is. */
  raw?: BodyInit;
  /** Access token, sent as `Authorization: Bearer`. */
  token?: string;
};

export type Res = {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body, when it is JSON. */
  body: any;
  ms: number;
};

function requestInit(req: Req): RequestInit {
  const headers = new Headers(req.headers);
  let body: BodyInit | undefined = req.raw;
  if (req.json !== undefined) {
    body = JSON.stringify(req.json);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  if (req.token) headers.set("authorization", `Bearer ${req.token}`);
  return { method: req.method ?? (body === undefined ? "GET" : "POST"), headers, body };
}

/**
 * Sends `req` to the Worker through its `fetch` export (as the edge does), or, with `bindings`,
 * through a freshly built app with those bindings over the test env (a fault-scoped endpoint, a
 * smaller timeout, another log level…).
 */
export async function send(req: Req, bindings?: Bindings): Promise<Res> {
  const url = new URL(req.path, BASE_URL);
  const init = requestInit(req);
  const started = Date.now();
  const request = new Request(url, init);
  const response = bindings ? await fetchWith(bindings, request) : await exports.default.fetch(request);
  const text = await response.text();
  const ms = Date.now() - started;
  let body: unknown;
  if (text && /json/.test(response.headers.get("content-type") ?? "")) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  return { status: response.status, headers: response.headers, text, body, ms };
}

/** What must never show in a response unless the request itself carried it. */
const INTERNAL_MARKERS = [
  "node_modules",
  "NeonDbError",
  "DrizzleQueryError",
  "Failed query",
  "    at ",
  "password_hash",
  "passwordHash",
  "token_hash",
  "tokenHash",
  "postgres://",
  JWT.secret,
];

const VALID_REQUEST_ID = /^[\w\-=]{1,255}$/;

function requestText(req: Req) {
  const parts = [req.path, JSON.stringify(req.headers ?? {}), req.token ?? ""];
  if (req.json !== undefined) parts.push(JSON.stringify(req.json));
  if (typeof req.raw === "string") parts.push(req.raw);
  return parts.join("\n");
}

/**
 * The API's promises that hold for every response, whatever the request: no 5xx (unless
 * `allowStatuses` says so, e.g. a 503 under an injected fault), every error is RFC 9457
 * problem+json with its members, 429/503 carry Retry-After, every response has a well-formed
 * X-Request-Id (the incoming one when valid), and no internals leak. Returns the violations.
 */
export function violations(req: Req, res: Res, { allowStatuses = [] as number[] } = {}): string[] {
  const found: string[] = [];
  const method = (req.method ?? "GET").toUpperCase();
  if (res.status >= 500 && !allowStatuses.includes(res.status)) found.push(`status ${res.status}`);
  const requestId = res.headers.get("x-request-id");
  if (!requestId || !VALID_REQUEST_ID.test(requestId)) found.push(`bad X-Request-Id ${requestId}`);
  const incoming = new Headers(req.headers).get("x-request-id");
  if (incoming !== null && VALID_REQUEST_ID.test(incoming) && requestId !== incoming) {
    found.push("valid X-Request-Id not echoed");
  }
  if (res.status >= 400 && method !== "HEAD") {
    const type = res.headers.get("content-type") ?? "";
    if (!type.startsWith("application/problem+json")) found.push(`error content-type "${type}"`);
    const problem = res.body;
    if (!problem || typeof problem !== "object") found.push("error body is not JSON");
    else {
      if (problem.status !== res.status) found.push(`problem.status ${problem.status} ≠ ${res.status}`);
      for (const member of ["type", "title", "detail", "code"]) {
        if (typeof problem[member] !== "string" || problem[member] === "")
          found.push(`problem.${member} missing`);
      }
      if (problem.requestId !== requestId) found.push("problem.requestId ≠ X-Request-Id");
      if (
        problem.errors !== undefined &&
        !(
          Array.isArray(problem.errors) &&
          problem.errors.every(
            (error: unknown) =>
              typeof (error as { path?: unknown }).path === "string" &&
              typeof (error as { message?: unknown }).message === "string",
          )
        )
      ) {
        found.push("problem.errors malformed");
      }
    }
    if ((res.status === 429 || res.status === 503) && !res.headers.get("retry-after")) {
      found.push(`${res.status} without Retry-After`);
    }
  }
  const sent = requestText(req);
  for (const marker of INTERNAL_MARKERS) {
    if (res.text.includes(marker) && !sent.includes(marker)) found.push(`response leaks "${marker}"`);
  }
  return found;
}

/** Asserts a problem+json answer with `status` (and `code` when given); returns the problem. */
export function expectProblemRes(res: Res, status: number, code?: string) {
  if (res.status !== status)
    throw new Error(`expected ${status}, got ${res.status}: ${res.text.slice(0, 400)}`);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
  if (code) expect(res.body.code).toBe(code);
  return res.body as { code: string; detail: string; errors?: { path: string; message: string }[] };
}

/** POST /v1/auth/login as sent (any status), optionally to an app with other bindings. */
export async function sendLogin(email: string, password: string, bindings?: Bindings) {
  return send({ path: "/v1/auth/login", json: { email, password } }, bindings);
}
