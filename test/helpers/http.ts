import { exports } from "cloudflare:workers";

/** Plain-http localhost: the one origin where the API's cookies may drop `Secure`. */
export const BASE_URL = "http://localhost:8787";

export type CallOptions = {
  method?: string;
  body?: unknown;
  /** A raw body sent as is (no JSON encoding, no content type added). */
  rawBody?: BodyInit;
  headers?: Record<string, string>;
  token?: string;
};

/** Calls the Worker the way the edge does, through its `fetch` export. */
export function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  const method = options.method ?? (body === undefined ? "GET" : "POST");
  return exports.default.fetch(new Request(new URL(path, BASE_URL), { method, headers, body }));
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
