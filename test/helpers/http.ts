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

/** `call`, then the parsed JSON body next to the response. */
export async function callJson<T = any>(path: string, options: CallOptions = {}) {
  const response = await call(path, options);
  const text = await response.text();
  const body = (text ? JSON.parse(text) : undefined) as T;
  return { response, status: response.status, body };
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
