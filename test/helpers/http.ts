import { createExecutionContext, env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { buildApp } from "../../src/app";

/** Plain-http localhost: the one origin where the API's cookies may drop `Secure`. */
export const BASE_URL = "http://localhost:8787";

/**
 * A unique client address (IPv6 documentation prefix 2001:db8::/32, RFC 3849, 64 random bits), so
 * per-IP limits never cross tests. The limits' windows outlive a run (up to an hour in REDIS_URL), and
 * the 65,536 addresses of an IPv4 /16 were few enough for a test to draw one that an earlier run's
 * limit test had used up.
 */
export function uniqueIp() {
  const groups = [...crypto.getRandomValues(new Uint16Array(4))].map((group) => group.toString(16));
  return `2001:db8:${groups.join(":")}::1`;
}

/** Worker bindings that replace the test env's for one call (undefined removes one). */
export type Bindings = Record<string, string | undefined>;

export type CallOptions = {
  method?: string;
  body?: unknown;
  /** A raw body sent as is (no JSON encoding, no content type added). */
  rawBody?: BodyInit;
  headers?: Record<string, string>;
  token?: string;
  /** Client address, sent as CF-Connecting-IP (none unless given: per-IP limits then do not apply). */
  ip?: string;
  /** A `Cookie` header value. */
  cookie?: string;
  origin?: string;
  /** Other bindings: the call goes to an app built over them instead of the Worker's export. */
  bindings?: Bindings;
};

/**
 * An app built over the test env with other bindings (a rotated JWT secret, Redis down, a
 * fault-scoped endpoint, …), called as the edge would: with an execution context for deferred work.
 */
export function fetchWith(bindings: Bindings, request: Request): Promise<Response> {
  return Promise.resolve(
    buildApp().request(request, undefined, { ...env, ...bindings }, createExecutionContext()),
  );
}

/** `fetchWith` over `bindings`, taking a path (or URL) and a RequestInit like `fetch`. */
export const withBindings =
  (bindings: Bindings) =>
  (url: string, init: RequestInit = {}) =>
    fetchWith(bindings, new Request(new URL(url, BASE_URL), init));

/** Calls the Worker the way the edge does, through its `fetch` export (or a built app, with `bindings`). */
export function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  if (options.ip !== undefined) headers.set("CF-Connecting-IP", options.ip);
  if (options.cookie !== undefined) headers.set("Cookie", options.cookie);
  if (options.origin !== undefined) headers.set("Origin", options.origin);
  const method = options.method ?? (body === undefined ? "GET" : "POST");
  const request = new Request(new URL(path, BASE_URL), { method, headers, body });
  return options.bindings ? fetchWith(options.bindings, request) : exports.default.fetch(request);
}

/**
 * `call`, then the parsed JSON body next to the response; `response` is an unread copy, so
 * `expectProblem(result.response, …)` still works on it.
 */
export type JsonResult<T> = { response: Response; status: number; body: T; headers: Headers };

export async function callJson<T = any>(path: string, options: CallOptions = {}): Promise<JsonResult<T>> {
  const response = await call(path, options);
  const copy = response.clone();
  const text = await response.text();
  // No body: undefined; JSON: parsed; anything else (HTML, text): as it came.
  let body: unknown = text || undefined;
  if (response.headers.get("content-type")?.includes("json") && text) body = JSON.parse(text);
  return { response: copy, status: response.status, body: body as T, headers: response.headers };
}

/** A JSON request body with a fresh client address, for `withBindings(…)(path, init)`. */
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
/** A problem without the members that differ per request (to compare two problems). */
export const withoutRequestId = ({ requestId: _id, ...rest }: Record<string, unknown>) => rest;

/** Asserts the response is a RFC 9457 problem and returns it. */
export async function expectProblem(response: Response, status: number) {
  const text = await response.text();
  if (response.status !== status) {
    throw new Error(`expected ${status}, got ${response.status}: ${text}`);
  }
  if (!response.headers.get("content-type")?.startsWith("application/problem+json")) {
    throw new Error(`expected problem+json, got ${response.headers.get("content-type")}: ${text}`);
  }
  const problem = JSON.parse(text) as {
    type: string;
    title: string;
    status: number;
    detail: string;
    code: string;
    requestId: string;
    errors?: { path: string; message: string }[];
    [key: string]: unknown;
  };
  if (problem.status !== status || !problem.type || !problem.title || !problem.detail) {
    throw new Error(`incomplete problem body: ${text}`);
  }
  return problem;
}
