import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { headerValue, hostileSegment } from "../helpers/arbitraries";
import { ALLOWED_ORIGINS, EVIL_ORIGIN } from "../helpers/auth";
import { check, fc, fuzzCase, fuzzSummary, Tally, Watch } from "../helpers/fuzz";
import { CONTENT_TYPES } from "../helpers/json-arbitraries";
import { createLog } from "../helpers/logs";
import { type Req, type Res, ROUTES, sendLogin } from "../helpers/requests";
import { type Account, account } from "../helpers/users";

/**
 * Transport-level fuzzing across every route of the API: any method on any route (and on paths
 * next to them), any headers (content types, Origin, X-Request-Id, Authorization, cookies),
 * request bodies of any bytes and size. Properties: never a 5xx; every error is problem+json with
 * its members; X-Request-Id is echoed only when well-formed; a body over 64 KiB is a 413 and a
 * non-JSON body a 415 before anything else looks at it; a preflight from an unlisted origin gets no
 * CORS headers; nothing the request did not succeed at is written.
 */

const tally = new Tally("transport");
const MAX_BODY = 64 * 1024;

let user: Account;
let logId: string;

beforeAll(async () => {
  user = await account();
  logId = (await createLog(user.accessToken)).id;
}, 60_000);

afterAll(() => {
  console.log(fuzzSummary(tally));
});

const pathVariant = fc.constantFrom(
  "as-is",
  "as-is",
  "as-is",
  "trailing-slash",
  "double-slash",
  "upper",
  "suffix",
  "dot-dot",
  "encoded-slash",
  "query-junk",
);

function shapePath(template: string, id: string, variant: string) {
  const path = template.replace("{id}", id);
  switch (variant) {
    case "trailing-slash":
      return `${path}/`;
    case "double-slash":
      return path.replace("/v1/", "//v1//");
    case "upper":
      return path.toUpperCase();
    case "suffix":
      return `${path}/extra/%2e%2e/x`;
    case "dot-dot":
      return `${path}/../../users/me`;
    case "encoded-slash":
      return path.replaceAll("/", "%2F").replace(/^%2F/, "/");
    case "query-junk":
      return `${path}?a=%ZZ&&=&b=${"c".repeat(3000)}&cursor=%00#frag`;
    default:
      return path;
  }
}

const body = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      new Uint8Array([0xff, 0xfe, 0xfd]),
      new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(MAX_BODY - 10, MAX_BODY, MAX_BODY + 1, MAX_BODY * 4)
      .map((size) => `{"title":"${"x".repeat(Math.max(0, size - 12))}"}`),
  },
);

type AuthKind = "bearer" | "cookie" | "garbage" | "none";

const arbitrary = fc.record({
  route: fc.constantFrom(...ROUTES),
  method: fc.oneof(
    { weight: 5, arbitrary: fc.constant("route") },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "GET",
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
        "HEAD",
        "OPTIONS",
        "PROPFIND",
        "patch",
      ),
    },
  ),
  id: fc.oneof(fc.constant("LOG"), hostileSegment()),
  variant: pathVariant,
  auth: fc.constantFrom<AuthKind>("bearer", "bearer", "cookie", "garbage", "none"),
  contentType: fc.option(fc.constantFrom(...CONTENT_TYPES.filter((type) => !type.includes("\u0000"))), {
    nil: undefined,
  }),
  origin: fc.option(fc.constantFrom(EVIL_ORIGIN, ...ALLOWED_ORIGINS, "null", "http://localhost:8787"), {
    nil: undefined,
  }),
  preflight: fc.boolean(),
  requestId: fc.option(
    fc.oneof(fc.uuid(), fc.constantFrom("ok-id_=", "a".repeat(256), "a b", "x\ty", "<x>")),
    { nil: undefined },
  ),
  extra: fc.dictionary(
    fc.constantFrom(
      "accept",
      "accept-language",
      "x-forwarded-host",
      "x-http-method-override",
      "if-match",
      "range",
      "expect",
      "cookie",
      "cf-connecting-ip",
      "idempotency-key",
    ),
    headerValue(100),
    { maxKeys: 3 },
  ),
  body,
});

/**
 * Keeps the fuzz user signed in: a refresh through the cookie rotates its tokens (adopt the new
 * ones, or the old refresh token would later count as stolen), a logout ends its session (sign in
 * again).
 */
async function followSession(res: Res) {
  const setCookies = res.headers.getSetCookie();
  const access = setCookies.find((cookie) => cookie.startsWith("access_token="));
  if (!access) return;
  if (access.startsWith("access_token=;")) {
    const again = await sendLogin(user.email, user.password);
    expect(again.status).toBe(200);
    user = { ...user, accessToken: again.body.accessToken, cookies: again.headers.getSetCookie() };
  } else {
    user = { ...user, accessToken: access.split(";")[0]!.slice("access_token=".length), cookies: setCookies };
  }
  await watch.start();
}

let watch: Watch;

describe("fuzz every route at the transport level", () => {
  it("methods, paths, headers and bodies of any shape: never a 5xx, problem+json errors, 413/415 first, nothing written", {
    timeout: 180_000,
  }, async () => {
    watch = await new Watch(user.user.id, tally).start();
    let oversized = 0;
    await check("transport", arbitrary, 700, async (c) => {
      const [routeMethod, template] = c.route;
      const method = c.method === "route" ? routeMethod : c.method;
      const canHaveBody = method !== "GET" && method !== "HEAD";
      const headers: Record<string, string> = { ...c.extra };
      if (c.auth === "bearer") headers.authorization = `Bearer ${user.accessToken}`;
      if (c.auth === "cookie") headers.cookie = user.cookies.map((cookie) => cookie.split(";")[0]).join("; ");
      if (c.auth === "garbage") headers.authorization = "Bearer eyJhbGciOiJub25lIn0.e30.";
      if (c.origin) headers.origin = c.origin;
      if (c.requestId !== undefined) headers["x-request-id"] = c.requestId;
      if (method === "OPTIONS" && c.preflight) headers["access-control-request-method"] = routeMethod;
      const raw =
        canHaveBody && c.body !== undefined
          ? typeof c.body === "string" || c.body instanceof Uint8Array
            ? c.body
            : undefined
          : undefined;
      if (raw !== undefined && c.contentType !== undefined) headers["content-type"] = c.contentType;
      const path = shapePath(template, c.id === "LOG" ? logId : c.id, c.variant);
      const req: Req = { method, path, headers, raw };
      const res = await fuzzCase(tally, req);
      await watch.after(req, res);
      await followSession(res);

      const size = typeof raw === "string" ? new TextEncoder().encode(raw).length : (raw?.length ?? 0);
      const isPreflight = method === "OPTIONS" && c.preflight;
      const listedOrigin =
        c.origin !== undefined && (ALLOWED_ORIGINS as readonly string[]).includes(c.origin);
      if (method === "OPTIONS" && listedOrigin) {
        // The CORS middleware answers every OPTIONS from a listed origin itself.
        expect(res.status).toBe(204);
      } else if (isPreflight) {
        expect(res.status).toBe(204);
        const listed = c.origin !== undefined && (ALLOWED_ORIGINS as readonly string[]).includes(c.origin);
        expect(res.headers.get("access-control-allow-origin")).toBe(listed ? c.origin! : null);
        expect(res.headers.get("access-control-allow-credentials")).toBe(listed ? "true" : null);
      } else if (size > MAX_BODY) {
        oversized += 1;
        expect(res.status).toBe(413);
      } else if (size > 0 && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(c.contentType ?? "")) {
        expect(res.status).toBe(415);
      }
      if (c.origin && !(ALLOWED_ORIGINS as readonly string[]).includes(c.origin)) {
        expect(res.headers.get("access-control-allow-origin")).toBeNull();
      }
      // Security headers on every answer.
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    });
    expect(oversized).toBeGreaterThan(10);
  });
});

describe("figures", () => {
  it("no 5xx, no contract violation, no write by a rejected request", () => {
    expect(tally.fiveXX).toEqual([]);
    expect(tally.violations).toEqual([]);
    expect(tally.writesByRejected).toBe(0);
  });
});
