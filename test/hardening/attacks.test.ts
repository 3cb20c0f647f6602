import { createExecutionContext, env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app";
import {
  ALLOWED_ORIGINS,
  claimsFor,
  claimsOf,
  cookieFrom,
  EVIL_ORIGIN,
  forgeHs,
  JWT,
  rawJwt,
} from "../helpers/auth";
import { createChallenge } from "../helpers/challenges";
import { fromNow, nowSeconds } from "../helpers/dates";
import { fingerprint, sql, unknownId } from "../helpers/db";
import { Tally } from "../helpers/fuzz";
import { createLog } from "../helpers/logs";
import { type Req, type Res, ROUTES, send, sendLogin, violations } from "../helpers/requests";
import { type Account, account } from "../helpers/users";

/**
 * A hostile client: forged and stolen tokens, cross-site requests riding on cookies, other users'
 * ids on every route, injection in paths and query strings, oversized requests, tokens where they
 * do not belong. Every attempt is counted; an attempt "succeeds" when it gets what it was after
 * (a 2xx where a refusal is due, someone else's data, a write). The suite prints the figures and
 * insists none succeeded.
 */

const tally = new Tally("attacks");
const succeeded: string[] = [];
let tried = 0;
const DAY_MS = 86_400_000;

afterAll(() => {
  console.log(
    `attacks: ${tried} tried, ${succeeded.length} succeeded, ${tally.total5xx} 5xx, ${tally.violations.length} contract violations`,
  );
});

/** Sends one attack; `refused(res)` says whether the API turned it away. */
async function attack(
  name: string,
  req: Req,
  refused: (res: Res) => boolean,
  bindings?: Record<string, string | undefined>,
) {
  tried += 1;
  const res = await send(req, bindings);
  const found = tally.record(req, res, violations(req, res));
  expect(found, name).toEqual([]);
  if (!refused(res)) succeeded.push(`${name}: ${res.status} ${res.text.slice(0, 200)}`);
  return res;
}

const is =
  (...statuses: number[]) =>
  (res: Res) =>
    statuses.includes(res.status);
const expectNoneSucceeded = () => expect(succeeded).toEqual([]);

let victim: Account;
let attacker: Account;
let victimLog: string;
let victimUpcoming: string;
let victimJoinedOnly: string;

beforeAll(async () => {
  [victim, attacker] = await Promise.all([
    account({ displayName: "Victim" }),
    account({ displayName: "Attacker" }),
  ]);
  victimLog = (
    await createLog(victim.accessToken, {
      title: "victim's private dinner",
      calories: 900,
      note: "secret note",
    })
  ).id;
  victimUpcoming = (
    await createChallenge(victim.accessToken, { startsAt: fromNow(20 * DAY_MS), endsAt: null })
  ).id;
  victimJoinedOnly = (await createChallenge(victim.accessToken)).id;
  expect(
    (
      await send({
        method: "POST",
        path: `/v1/challenges/${victimJoinedOnly}/join`,
        token: victim.accessToken,
      })
    ).status,
  ).toBe(201);
}, 60_000);

// ---- tokens ---------------------------------------------------------------------------------------

async function hmac(text: string, secret: string, hash: "SHA-256" | "SHA-512") {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash },
    false,
    ["sign"],
  );
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text)));
  return btoa(String.fromCharCode(...signature))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** A token signed with the real secret, whatever its header says (to test that `alg` is pinned). */
async function signedAs(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  hash: "SHA-256" | "SHA-512" = "SHA-256",
) {
  const unsigned = rawJwt(header, payload).slice(0, -1);
  return `${unsigned}.${await hmac(unsigned, JWT.secret, hash)}`;
}

describe("JWT attacks: every forged, tampered, expired or ended token is refused", () => {
  it("bad signature, alg none / HS512 / RS256 / ES256 headers, expired, not yet valid, wrong audience or issuer, missing claims", async () => {
    const { sub, sid } = claimsOf(victim.accessToken) as { sub: string; sid: string };
    const claims = claimsFor(sub, sid);
    const [header, payload, signature] = victim.accessToken.split(".") as [string, string, string];
    const tokens: [string, string][] = [
      ["signed with another secret", await forgeHs(claims, "another-secret-0123456789abcdef0123456789")],
      ["signature stripped", `${header}.${payload}.`],
      ["signature of another token", `${header}.${payload}.${attacker.accessToken.split(".")[2]}`],
      [
        "payload swapped under the victim's signature",
        `${header}.${attacker.accessToken.split(".")[1]}.${signature}`,
      ],
      ["alg none", rawJwt({ alg: "none", typ: "JWT" }, claims)],
      ["alg None", rawJwt({ alg: "None", typ: "JWT" }, claims)],
      ["alg NONE with a signature", `${rawJwt({ alg: "NONE", typ: "JWT" }, claims)}${signature}`],
      ["alg HS512, correctly signed", await forgeHs(claims, JWT.secret, "HS512")],
      ["header HS512, HS256 signature", await signedAs({ alg: "HS512", typ: "JWT" }, claims)],
      ["header RS256, HMAC signature (key confusion)", await signedAs({ alg: "RS256", typ: "JWT" }, claims)],
      ["header ES256, HMAC signature", await signedAs({ alg: "ES256", typ: "JWT" }, claims)],
      ["header without alg", await signedAs({ typ: "JWT" }, claims)],
      [
        "jku/kid pointing elsewhere",
        rawJwt({ alg: "RS256", jku: "https://evil.example/jwks.json", kid: "evil" }, claims, "c2ln"),
      ],
      [
        "expired an hour ago",
        await forgeHs(claimsFor(sub, sid, { iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 })),
      ],
      ["expired a second ago", await forgeHs(claimsFor(sub, sid, { exp: nowSeconds() - 1 }))],
      ["without exp", await forgeHs({ sub, sid, iat: nowSeconds(), iss: JWT.issuer, aud: JWT.audience })],
      [
        "not valid before tomorrow",
        await forgeHs(claimsFor(sub, sid, { nbf: nowSeconds() + DAY_MS / 1000 })),
      ],
      ["wrong audience", await forgeHs(claimsFor(sub, sid, { aud: "another-api" }))],
      ["wrong issuer", await forgeHs(claimsFor(sub, sid, { iss: "evil" }))],
      [
        "without audience",
        await forgeHs({ sub, sid, iat: nowSeconds(), exp: nowSeconds() + 900, iss: JWT.issuer }),
      ],
      [
        "without issuer",
        await forgeHs({ sub, sid, iat: nowSeconds(), exp: nowSeconds() + 900, aud: JWT.audience }),
      ],
      ["without sid", await forgeHs({ ...claims, sid: undefined })],
      ["sub not a uuid", await forgeHs(claimsFor("' OR 1=1--", sid))],
      ["sid of an unknown session", await forgeHs(claimsFor(sub, unknownId()))],
      ["four segments", `${victim.accessToken}.x`],
      ["whitespace inside", `${header}. ${payload}.${signature}`],
    ];
    for (const [name, token] of tokens) {
      for (const req of [
        { path: "/v1/users/me", token },
        {
          method: "POST",
          path: "/v1/logs",
          token,
          json: { mealType: "lunch", eatenAt: "2026-11-20T12:00:00+09:00", title: "forged" },
        },
      ] as Req[]) {
        const res = await attack(`${name} (${req.method ?? "GET"} ${req.path})`, req, is(401));
        expect(res.headers.get("www-authenticate") ?? "").toMatch(/^Bearer/);
      }
    }
    // The forged ones signed with the real secret but a wrong alg are the dangerous ones: none passed.
    expect(await victimLogCount()).toBe(1);
    expectNoneSucceeded();
  });

  it("a token from a key that is no longer configured (rotation finished) is refused", async () => {
    const { sub, sid } = claimsOf(attacker.accessToken) as { sub: string; sid: string };
    const old = await forgeHs(claimsFor(sub, sid), "the-previous-secret-0123456789abcdef01234");
    await attack("previous secret, no longer listed", { path: "/v1/users/me", token: old }, is(401));
    const stillRotating = { JWT_SECRET_PREVIOUS: "the-previous-secret-0123456789abcdef01234" };
    await attack(
      "previous secret, still listed (control: accepted)",
      { path: "/v1/users/me", token: old },
      is(200),
      stillRotating,
    );
    expectNoneSucceeded();
  });

  it("the token of a deleted account, of a logged-out session, of an expired session", async () => {
    const doomed = await account();
    const second = await sendLogin(doomed.email, doomed.password);
    expect(
      (
        await send({
          method: "DELETE",
          path: "/v1/users/me",
          token: doomed.accessToken,
          json: { password: doomed.password },
        })
      ).status,
    ).toBe(204);
    await attack("deleted account", { path: "/v1/users/me", token: second.body.accessToken }, is(401));
    await attack(
      "deleted account writes",
      {
        method: "POST",
        path: "/v1/logs",
        token: second.body.accessToken,
        json: { mealType: "lunch", eatenAt: "2026-11-20T12:00:00+09:00", title: "zombie" },
      },
      is(401),
    );

    const leaving = await account();
    expect((await send({ method: "POST", path: "/v1/auth/logout", token: leaving.accessToken })).status).toBe(
      204,
    );
    for (const path of [
      "/v1/users/me",
      "/v1/logs",
      "/v1/users/me/export",
      "/v1/challenges",
      `/v1/challenges/${victimJoinedOnly}/leaderboard`,
    ]) {
      await attack(`logged-out session ${path}`, { path, token: leaving.accessToken }, is(401));
    }
    await attack(
      "logged-out session's refresh token",
      { method: "POST", path: "/v1/auth/refresh", json: { refreshToken: leaving.refreshToken } },
      is(401),
    );

    const expiring = await account();
    await sql("update sessions set expires_at = now() - interval '1 second' where id = $1", [
      claimsOf(expiring.accessToken).sid,
    ]);
    await attack("expired session", { path: "/v1/users/me", token: expiring.accessToken }, is(401));
    await attack(
      "expired session's refresh token",
      { method: "POST", path: "/v1/auth/refresh", json: { refreshToken: expiring.refreshToken } },
      is(401),
    );
    expectNoneSucceeded();
  });

  it("tokens where they do not belong are ignored: query strings, a refresh token as a bearer", async () => {
    const user = await account();
    await attack(
      "access token in ?access_token=",
      { path: `/v1/users/me?access_token=${user.accessToken}` },
      is(401),
    );
    await attack("access token in ?token=", { path: `/v1/users/me?token=${user.accessToken}` }, is(401));
    await attack(
      "refresh token in the query string, no body, no cookie",
      { method: "POST", path: `/v1/auth/refresh?refreshToken=${encodeURIComponent(user.refreshToken)}` },
      is(401),
    );
    await attack(
      "refresh token as a bearer token",
      { path: "/v1/users/me", token: user.refreshToken },
      is(401),
    );
    await attack(
      "access token as a refresh token",
      { method: "POST", path: "/v1/auth/refresh", json: { refreshToken: user.accessToken } },
      is(400, 401),
    );
    await attack(
      "two bearer tokens",
      {
        path: "/v1/users/me",
        headers: { authorization: `Bearer ${user.accessToken} ${attacker.accessToken}` },
      },
      is(401),
    );
    // The refresh token was never spent by any of that: it still works once, from the body.
    const legit = await send({
      method: "POST",
      path: "/v1/auth/refresh",
      json: { refreshToken: user.refreshToken },
    });
    expect(legit.status).toBe(200);
    expectNoneSucceeded();
  });
});

async function victimLogCount() {
  const [row] = await sql<{ logs: string }>("select count(*) as logs from meal_logs where user_id = $1", [
    victim.user.id,
  ]);
  return Number(row!.logs);
}

// ---- CSRF and CORS --------------------------------------------------------------------------------

const FOREIGN_ORIGINS = [
  EVIL_ORIGIN,
  "null",
  "http://localhost:3000.evil.example",
  "https://localhost:3000",
  "http://127.0.0.1:5173@evil.example",
];

describe("CSRF: cookie-authenticated unsafe requests from an unlisted origin are refused (403) and write nothing", () => {
  it("on every unsafe route", { timeout: 60_000 }, async () => {
    const user = await account();
    const logId = (await createLog(user.accessToken)).id;
    const challengeId = (
      await createChallenge(user.accessToken, { startsAt: fromNow(10 * DAY_MS), endsAt: null })
    ).id;
    const before = await fingerprint(user.user.id);
    const cookie = cookieFrom(user.cookies, "access_token", "refresh_token");
    const bodies: Record<string, unknown> = {
      "/v1/auth/password": { currentPassword: user.password, newPassword: "csrf changed it" },
      "/v1/users/me": { displayName: "pwned", password: user.password },
      "/v1/logs": { mealType: "lunch", eatenAt: "2026-11-20T12:00:00+09:00", title: "csrf" },
      "/v1/logs/{id}": { title: "csrf" },
      "/v1/challenges": {
        title: "csrf",
        description: "",
        rule: { type: "log_days", target: 1 },
        startsAt: fromNow(DAY_MS),
      },
      "/v1/challenges/{id}": { title: "csrf" },
    };
    const unsafe = ROUTES.filter(
      ([method, path]) => method !== "GET" && !path.endsWith("/signup") && !path.endsWith("/login"),
    );
    for (const [method, template] of unsafe) {
      const path = template.replace("{id}", template.startsWith("/v1/logs") ? logId : challengeId);
      let body = bodies[template];
      if (template === "/v1/users/me" && method === "PATCH") body = { displayName: "pwned" };
      if (template === "/v1/users/me" && method === "DELETE") body = { password: user.password };
      for (const origin of FOREIGN_ORIGINS) {
        await attack(
          `CSRF ${method} ${template} from ${origin}`,
          { method, path, json: body, headers: { cookie, origin } },
          is(403),
        );
      }
    }
    expect(await fingerprint(user.user.id)).toBe(before);
    // Control: the same cookie from a listed origin is served.
    const listed = await send({
      method: "PATCH",
      path: "/v1/users/me",
      json: { displayName: "from the app" },
      headers: { cookie, origin: ALLOWED_ORIGINS[0] },
    });
    expect(listed.status).toBe(200);
    expectNoneSucceeded();
  });
});

describe("CORS: only listed origins get CORS headers (preflight and actual requests)", () => {
  it("preflights and responses", async () => {
    for (const [method, template] of ROUTES.filter(([, path]) => path.startsWith("/v1/"))) {
      const path = template.replace("{id}", unknownId());
      for (const origin of [...ALLOWED_ORIGINS, ...FOREIGN_ORIGINS]) {
        const listed = (ALLOWED_ORIGINS as readonly string[]).includes(origin);
        const res = await attack(
          `preflight ${method} ${template} from ${origin}`,
          {
            method: "OPTIONS",
            path,
            headers: {
              origin,
              "access-control-request-method": method,
              "access-control-request-headers": "authorization, content-type",
            },
          },
          (r) => r.status === 204 && (r.headers.get("access-control-allow-origin") === null) === !listed,
        );
        if (listed) {
          expect(res.headers.get("access-control-allow-origin")).toBe(origin);
          expect(res.headers.get("access-control-allow-credentials")).toBe("true");
          expect(res.headers.get("access-control-allow-methods")).toContain(method);
          expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
        } else {
          expect(res.headers.get("access-control-allow-credentials")).toBeNull();
          expect(res.headers.get("access-control-allow-methods")).toBeNull();
        }
      }
    }
    const read = await attack(
      "evil origin reads /v1/users/me with the cookie",
      {
        path: "/v1/users/me",
        headers: { cookie: cookieFrom(victim.cookies, "access_token"), origin: EVIL_ORIGIN },
      },
      (r) => r.headers.get("access-control-allow-origin") === null,
    );
    expect(read.headers.get("vary")).toContain("Origin");
    expectNoneSucceeded();
  });
});

// ---- IDOR -----------------------------------------------------------------------------------------

describe("IDOR: another user's ids on every route", () => {
  it("logs: 404 like an unknown id; challenges: 403 to edit, 404 for progress and leave; sessions untouched", async () => {
    const before = await fingerprint(victim.user.id);
    const token = attacker.accessToken;
    const notFound = await send({ path: `/v1/logs/${unknownId()}`, token });
    const same = (res: Res) =>
      res.status === 404 && res.body.detail === notFound.body.detail && res.body.type === notFound.body.type;
    await attack("GET another's log", { path: `/v1/logs/${victimLog}`, token }, same);
    await attack(
      "PATCH another's log",
      { method: "PATCH", path: `/v1/logs/${victimLog}`, token, json: { title: "mine now" } },
      same,
    );
    await attack("DELETE another's log", { method: "DELETE", path: `/v1/logs/${victimLog}`, token }, same);
    await attack(
      "PATCH another's challenge",
      { method: "PATCH", path: `/v1/challenges/${victimUpcoming}`, token, json: { title: "mine now" } },
      is(403),
    );
    await attack(
      "DELETE another's challenge",
      { method: "DELETE", path: `/v1/challenges/${victimUpcoming}`, token },
      is(403),
    );
    await attack(
      "progress of a challenge only the other joined",
      { path: `/v1/challenges/${victimJoinedOnly}/progress`, token },
      is(404),
    );
    await attack(
      "leave a challenge only the other joined",
      { method: "DELETE", path: `/v1/challenges/${victimJoinedOnly}/join`, token },
      is(404),
    );
    const board = await attack(
      "leaderboard shows no email",
      { path: `/v1/challenges/${victimJoinedOnly}/leaderboard`, token },
      (r) => r.status === 200 && !r.text.includes("@") && r.body.me === null,
    );
    expect(board.body.items.map((item: { user: { id: string } }) => item.user.id)).toContain(victim.user.id);
    await attack(
      "public profile shows no email",
      { path: `/v1/users/${victim.user.id}`, token },
      (r) => r.status === 200 && !r.text.includes(victim.email),
    );
    for (const query of [
      `userId=${victim.user.id}`,
      `user_id=${victim.user.id}`,
      "tag=private",
      "limit=100",
    ]) {
      await attack(
        `list with ?${query}`,
        { path: `/v1/logs?${query}`, token },
        (r) => r.status === 200 && !r.text.includes(victimLog),
      );
    }
    await attack(
      "summary never counts another's meals",
      { path: "/v1/logs/summary?from=2026-11-19&to=2026-11-21", token },
      (r) => r.status === 200 && r.body.totals.meals === 0,
    );
    await attack(
      "export holds only the caller",
      { path: "/v1/users/me/export", token },
      (r) => r.status === 200 && !r.text.includes(victim.user.id) && !r.text.includes("secret note"),
    );
    // Every route with an {id}: the victim's log id and user id in the slot are never someone else's data.
    for (const [method, template] of ROUTES.filter(([, path]) => path.includes("{id}"))) {
      for (const [kind, id] of [
        ["log id", victimLog],
        ["user id", victim.user.id],
      ] as const) {
        const publicProfile = template === "/v1/users/{id}" && kind === "user id";
        const body = method === "PATCH" ? { title: "mine now" } : undefined;
        await attack(
          `${method} ${template} with the victim's ${kind}`,
          { method, path: template.replace("{id}", id), token, json: body },
          (res) =>
            publicProfile ? res.status === 200 && !res.text.includes(victim.email) : res.status === 404,
        );
      }
    }
    // Sessions: a logout names its own session only; another's refresh token with the caller's bearer changes nothing of theirs.
    const spare = await sendLogin(attacker.email, attacker.password);
    await attack(
      "logout with another's refresh token in the body (bearer identifies the caller)",
      {
        method: "POST",
        path: "/v1/auth/logout",
        token: spare.body.accessToken,
        json: { refreshToken: victim.refreshToken },
      },
      is(204),
    );
    await attack(
      "refresh with another's session id and a made-up secret",
      {
        method: "POST",
        path: "/v1/auth/refresh",
        json: { refreshToken: `${claimsOf(victim.accessToken).sid}.${"A".repeat(43)}` },
      },
      is(401),
    );
    // Mass assignment: ids and ownership cannot be set through a body.
    await attack(
      "PATCH /me with an id",
      { method: "PATCH", path: "/v1/users/me", token, json: { id: victim.user.id } },
      is(400),
    );
    await attack(
      "PATCH /me with an email",
      { method: "PATCH", path: "/v1/users/me", token, json: { email: victim.email } },
      is(400),
    );
    await attack(
      "POST a log for another user",
      {
        method: "POST",
        path: "/v1/logs",
        token,
        json: { mealType: "lunch", eatenAt: "2026-11-20T12:00:00+09:00", title: "x", userId: victim.user.id },
      },
      is(400),
    );
    await attack(
      "POST an official challenge with a badge",
      {
        method: "POST",
        path: "/v1/challenges",
        token,
        json: {
          title: "x",
          description: "",
          rule: { type: "log_days", target: 1 },
          startsAt: fromNow(DAY_MS),
          official: true,
          badgeCode: "first_log",
          createdBy: victim.user.id,
        },
      },
      is(400),
    );
    expect(await fingerprint(victim.user.id)).toBe(before);
    expect((await send({ path: "/v1/users/me", token: victim.accessToken })).status).toBe(200);
    expectNoneSucceeded();
  });
});

// ---- injection ------------------------------------------------------------------------------------

describe("injection in paths and query strings", () => {
  it("SQL, traversal and NUL attempts are 404/400; text that looks like SQL is stored verbatim; the tables are intact", async () => {
    const token = attacker.accessToken;
    const paths: [string, number[]][] = [
      [`/v1/logs/${encodeURIComponent("' OR 1=1--")}`, [404]],
      ["/v1/logs/' OR '1'='1", [404]],
      [`/v1/logs/${encodeURIComponent(`${victimLog}' OR '1'='1`)}`, [404]],
      [`/v1/users/${encodeURIComponent("' UNION SELECT email FROM users--")}`, [404]],
      // The join path answers POST and DELETE only: a GET is 405 (RFC 9110), whatever the id.
      [`/v1/challenges/${encodeURIComponent("1 OR 1=1")}/join`, [405]],
      ["/v1/logs/..%2f..%2fusers%2fme", [404]],
      ["/v1/logs/%2e%2e%2f%2e%2e%2fusers%2fme", [404]],
      ["/v1/logs/%00", [404]],
      [`/v1/logs/${victimLog}%00`, [404]],
      ["/v1/users/%00", [404]],
      [`/v1/logs?tag=${encodeURIComponent("x'; drop table users;--")}`, [400]],
      [`/v1/logs?mealType=${encodeURIComponent("lunch' OR '1'='1")}`, [400]],
      [`/v1/logs?from=${encodeURIComponent("2026-01-01' OR 1=1--")}`, [400]],
      [`/v1/logs?cursor=${encodeURIComponent("' OR 1=1--")}`, [400]],
      [`/v1/logs?limit=${encodeURIComponent("1; select pg_sleep(5)")}`, [400]],
      ["/v1/logs?tag=%00", [400]],
      ["/v1/logs?tag=a%00b", [400]],
      [`/v1/challenges?status=${encodeURIComponent("active' OR 1=1--")}`, [400]],
      [
        `/v1/challenges/${victimJoinedOnly}/leaderboard?limit=${encodeURIComponent("10; drop table challenges")}`,
        [400],
      ],
      [
        `/v1/logs/summary?from=2026-11-01&to=${encodeURIComponent("2026-11-02'); drop table meal_logs;--")}`,
        [400],
      ],
    ];
    for (const [path, expected] of paths) {
      const started = Date.now();
      await attack(`injection ${path}`, { path, token }, is(...expected));
      expect(Date.now() - started, path).toBeLessThan(2000);
    }
    const payload = "x'); drop table users; -- <script>alert(1)</script> {{7*7}} #{7*7}";
    const stored = await send({
      method: "POST",
      path: "/v1/logs",
      token,
      json: {
        mealType: "lunch",
        eatenAt: "2026-11-20T12:00:00+09:00",
        title: payload,
        note: "'; delete from meal_logs; --",
        tags: ["x-y"],
      },
    });
    expect(stored.status).toBe(201);
    const back = await send({ path: `/v1/logs/${stored.body.log.id}`, token });
    expect(back.body.title).toBe(payload);
    expect(back.headers.get("content-type")).toMatch(/^application\/json/);
    const [tables] = await sql<{ users: string; logs: string }>(
      "select (select count(*) from users) as users, (select count(*) from meal_logs) as logs",
    );
    expect(Number(tables!.users)).toBeGreaterThan(1);
    expect((await send({ path: `/v1/logs/${victimLog}`, token: victim.accessToken })).status).toBe(200);
    expectNoneSucceeded();
  });
});

// ---- oversized and malformed requests -------------------------------------------------------------

describe("oversized requests", () => {
  const LIMIT = 64 * 1024;
  const big = (bytes: number) => `{"title":"${"x".repeat(bytes - 12)}"}`;

  it("a body over 64 KiB is a 413 on every route that takes one (before authentication), whether sized or streamed", {
    timeout: 60_000,
  }, async () => {
    const withBody = ROUTES.filter(
      ([method]) => method === "POST" || method === "PATCH" || method === "DELETE",
    );
    for (const [method, template] of withBody) {
      const path = template.replace("{id}", unknownId());
      await attack(
        `${LIMIT + 1} bytes to ${method} ${template}`,
        { method, path, raw: big(LIMIT + 1), headers: { "content-type": "application/json" } },
        is(413),
      );
      await attack(
        `1 MiB anonymous to ${method} ${template}`,
        { method, path, raw: big(1024 * 1024), headers: { "content-type": "application/json" } },
        is(413),
      );
    }
    const streamed = (bytes: number) =>
      new ReadableStream({
        start(controller) {
          for (let sent = 0; sent < bytes; sent += 8192)
            controller.enqueue(new TextEncoder().encode("x".repeat(Math.min(8192, bytes - sent))));
          controller.close();
        },
      });
    await attack(
      "streamed 200 KiB without Content-Length",
      {
        method: "POST",
        path: "/v1/logs",
        token: attacker.accessToken,
        raw: streamed(200 * 1024),
        headers: { "content-type": "application/json" },
      },
      is(413),
    );
    await attack(
      "streamed, exactly at the limit (not a 413)",
      {
        method: "POST",
        path: "/v1/logs",
        token: attacker.accessToken,
        raw: streamed(LIMIT),
        headers: { "content-type": "application/json" },
      },
      is(400),
    );
    await attack(
      "sized, exactly at the limit (not a 413)",
      {
        method: "POST",
        path: "/v1/logs",
        token: attacker.accessToken,
        raw: big(LIMIT),
        headers: { "content-type": "application/json" },
      },
      is(400),
    );
    expectNoneSucceeded();
  });

  it("oversized and numerous headers, deep and wide JSON: refused fast, never a 5xx", async () => {
    const token = attacker.accessToken;
    const timed = async (name: string, req: Req, refused: (res: Res) => boolean) => {
      const res = await attack(name, req, refused);
      expect(res.ms, name).toBeLessThan(1500);
      return res;
    };
    await timed(
      "100 KB Authorization",
      { path: "/v1/users/me", headers: { authorization: `Bearer ${"a".repeat(100_000)}` } },
      is(401),
    );
    await timed(
      "100 KB Cookie",
      { path: "/v1/users/me", headers: { cookie: `access_token=${"a".repeat(100_000)}` } },
      is(401),
    );
    await timed(
      "100 KB Idempotency-Key",
      {
        method: "POST",
        path: "/v1/logs",
        token,
        json: { mealType: "lunch", eatenAt: "2026-11-20T12:00:00+09:00", title: "x" },
        headers: { "idempotency-key": "k".repeat(100_000) },
      },
      is(400),
    );
    const longId = await timed(
      "10 KB X-Request-Id is not echoed",
      { path: "/health", headers: { "x-request-id": "r".repeat(10_000) } },
      (r) => r.status === 200,
    );
    expect(longId.headers.get("x-request-id")).not.toBe("r".repeat(10_000));
    const many: Record<string, string> = {};
    for (let i = 0; i < 300; i++) many[`x-junk-${i}`] = "v".repeat(500);
    await timed("300 headers of 500 bytes", { path: "/v1/users/me", token, headers: many }, is(200));
    await timed(
      "JSON nested 30,000 deep",
      {
        method: "POST",
        path: "/v1/logs",
        token,
        raw: `${"[".repeat(30_000)}${"]".repeat(30_000)}`,
        headers: { "content-type": "application/json" },
      },
      is(400),
    );
    await timed(
      "JSON object nested 6,000 deep",
      {
        method: "POST",
        path: "/v1/logs",
        token,
        raw: `${'{"a":'.repeat(6_000)}1${"}".repeat(6_000)}`,
        headers: { "content-type": "application/json" },
      },
      is(400),
    );
    const wide = `{${Array.from({ length: 6_000 }, (_, i) => `"k${i}":1`).join(",")}}`;
    await timed(
      "JSON object with 6,000 unknown keys",
      { method: "POST", path: "/v1/logs", token, raw: wide, headers: { "content-type": "application/json" } },
      is(400),
    );
    await timed(
      "10,000 tags",
      {
        method: "POST",
        path: "/v1/logs",
        token,
        json: {
          mealType: "lunch",
          eatenAt: "2026-11-20T12:00:00+09:00",
          title: "x",
          tags: Array.from({ length: 10_000 }, () => "a"),
        },
      },
      is(400, 413),
    );
    await timed("a query string of 60 KB", { path: `/v1/logs?tag=${"a".repeat(60_000)}`, token }, is(400));
    expectNoneSucceeded();
  });
});

// ---- credentials and enumeration ------------------------------------------------------------------

describe("credentials", () => {
  it("an unknown email and a wrong password get the same answer; problems never echo a secret", async () => {
    const unknown = await attack(
      "login with an unknown email",
      {
        method: "POST",
        path: "/v1/auth/login",
        json: { email: `nobody.${crypto.randomUUID()}@example.com`, password: "guess guess guess" },
      },
      is(401),
    );
    const wrong = await attack(
      "login with a wrong password",
      {
        method: "POST",
        path: "/v1/auth/login",
        json: { email: victim.email, password: "guess guess guess" },
      },
      is(401),
    );
    expect({ ...unknown.body, requestId: 0 }).toEqual({ ...wrong.body, requestId: 0 });
    const refused = await attack(
      "a refused token is not echoed",
      { path: "/v1/users/me", token: `${victim.accessToken}x` },
      is(401),
    );
    expect(refused.text).not.toContain(victim.accessToken.slice(0, 40));
    expectNoneSucceeded();
  });

  it("cookies are HttpOnly, SameSite=Lax, Secure over https, the refresh cookie scoped to /v1/auth; security headers are set", async () => {
    const res = await buildApp().request(
      "https://api.sikdan.example/v1/auth/login",
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: victim.email, password: victim.password }),
      },
      env,
      createExecutionContext(),
    );
    expect(res.status).toBe(200);
    const cookies = res.headers.getSetCookie();
    for (const name of ["access_token", "refresh_token"]) {
      const line = cookies.find((cookie) => cookie.startsWith(`${name}=`))!;
      tried += 1;
      if (!/HttpOnly/i.test(line) || !/SameSite=Lax/i.test(line) || !/Secure/i.test(line))
        succeeded.push(`${name} cookie flags: ${line}`);
    }
    expect(cookies.find((cookie) => cookie.startsWith("refresh_token="))).toMatch(/Path=\/v1\/auth/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBeTruthy();
    expectNoneSucceeded();
  });
});

describe("figures", () => {
  it("no attack succeeded, no 5xx, no contract violation", () => {
    expect(succeeded).toEqual([]);
    expect(tally.fiveXX).toEqual([]);
    expect(tally.violations).toEqual([]);
    expect(tried).toBeGreaterThan(200);
  });
});
