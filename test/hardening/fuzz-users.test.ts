import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { headerValue, hostileSegment, nastyString, wellFormed } from "../helpers/arbitraries";
import { cookieFrom } from "../helpers/auth";
import { sql, unknownId } from "../helpers/db";
import { check, fc, fuzzCase, fuzzSummary, Tally, Watch } from "../helpers/fuzz";
import { type BodySpec, bodyText, withQuery } from "../helpers/json-arbitraries";
import { createLog } from "../helpers/logs";
import { type Req, send } from "../helpers/requests";
import { type Account, account } from "../helpers/users";

/**
 * Property-based fuzzing of the user routes (GET/PATCH/DELETE /v1/users/me, export, stats,
 * badges, GET /v1/users/:id, GET /v1/badges) and of request headers on the read routes.
 * Properties: never a 5xx; every error is problem+json; a rejected profile change or account
 * deletion writes nothing; a public profile never shows an email; every IANA time zone the API
 * accepts counts a meal on the day that zone says.
 */

const tally = new Tally("users");

let user: Account;
let victim: Account;

beforeAll(async () => {
  [user, victim] = await Promise.all([account(), account({ displayName: "Victim" })]);
  await createLog(victim.accessToken, { title: "victim's secret meal" });
}, 60_000);

afterAll(() => {
  console.log(fuzzSummary(tally));
});

const goal = (max: number) => fc.option(fc.integer({ min: 0, max }), { nil: null });
const goals = fc.record(
  { calories: goal(20_000), proteinG: goal(2_000), carbsG: goal(2_000), fatG: goal(2_000) },
  { requiredKeys: [] },
);

const PROFILE_SPEC: BodySpec = {
  fields: {
    displayName: fc
      .string({ unit: "grapheme", minLength: 1, maxLength: 30 })
      .filter((name) => name.trim().length > 0 && !/\p{Cc}/u.test(name)),
    timezone: fc.constantFrom(
      ...Intl.supportedValuesOf("timeZone"),
      "asia/seoul",
      "UTC",
      "US/Pacific",
      "Etc/GMT-14",
    ),
    dayStartHour: fc.integer({ min: 0, max: 6 }),
    goals,
  },
  required: [],
  wrong: {
    displayName: fc.constantFrom(
      "",
      "   ",
      "a\u0007b",
      "a\u0000b",
      "tab\there",
      "a".repeat(51),
      "\u202e\u0085",
    ),
    timezone: fc.constantFrom(
      "Mars/Olympus",
      "",
      "a".repeat(65),
      "+25:00",
      "Asia/Seoul\u0000",
      "../../etc/passwd",
      "' OR 1=1--",
      "Local",
    ),
    dayStartHour: fc.constantFrom(-1, 7, 24, 1.5, "3", null, -0.0001),
    goals: fc.constantFrom(
      { calories: 20_001 },
      { calories: -1 },
      { proteinG: 2_001 },
      { fatG: 1.5 },
      { calories: "2000" },
      { sugarG: 10 },
      { __proto__: { isAdmin: true } },
      [],
      null,
      "none",
    ),
  },
};

describe("fuzz PATCH /v1/users/me", () => {
  it("200 returns and stores exactly the change; a rejected change writes nothing; never a 5xx", {
    timeout: 120_000,
  }, async () => {
    const watch = await new Watch(user.user.id, tally).start();
    let accepted = 0;
    await check(
      "PATCH /v1/users/me",
      bodyText(PROFILE_SPEC, { valid: 4, mutated: 6, junk: 2 }),
      400,
      async (body) => {
        const req: Req = {
          method: "PATCH",
          path: "/v1/users/me",
          token: user.accessToken,
          raw: body,
          headers: { "content-type": "application/json" },
        };
        const res = await fuzzCase(tally, req);
        expect([200, 400, 413, 415]).toContain(res.status);
        await watch.after(req, res);
        if (res.status === 200) {
          accepted += 1;
          const patch = JSON.parse(body);
          if (typeof patch.displayName === "string")
            expect(res.body.displayName).toBe(patch.displayName.trim());
          if (typeof patch.dayStartHour === "number") expect(res.body.dayStartHour).toBe(patch.dayStartHour);
          for (const [name, value] of Object.entries(patch.goals ?? {}))
            expect(res.body.goals[name]).toBe(value);
          expect(res.body.email).toBe(user.email);
          expect(res.body.id).toBe(user.user.id);
          const me = await send({ path: "/v1/users/me", token: user.accessToken });
          expect(me.body).toEqual(res.body);
        }
      },
    );
    expect(accepted).toBeGreaterThan(50);
  });
});

describe("fuzz DELETE /v1/users/me", () => {
  it("a wrong or malformed password deletes nothing; never a 5xx", { timeout: 120_000 }, async () => {
    const target = await account({ password: "keep my diary please" });
    await createLog(target.accessToken);
    const watch = await new Watch(target.user.id, tally).start();
    const spec: BodySpec = {
      fields: {
        password: fc.oneof(
          nastyString({ maxLength: 30 }),
          fc.constantFrom("keep my diary please ", "KEEP MY DIARY PLEASE", "keep my diary pleas", ""),
        ),
      },
      required: ["password"],
    };
    await check(
      "DELETE /v1/users/me",
      bodyText(spec, { valid: 6, mutated: 3, junk: 2 }),
      90,
      async (body) => {
        const req: Req = {
          method: "DELETE",
          path: "/v1/users/me",
          token: target.accessToken,
          raw: body,
          headers: { "content-type": "application/json" },
        };
        const res = await fuzzCase(tally, req);
        // 429 once the wrong passwords reach the account's failed sign-in limit (they count).
        expect([400, 403, 413, 415, 429]).toContain(res.status);
        await watch.after(req, res);
      },
    );
    expect((await send({ path: "/v1/users/me", token: target.accessToken })).status).toBe(200);
  });
});

// ---- read routes: headers and query strings -----------------------------------------------------

const READ_ROUTES = [
  "/v1/users/me",
  "/v1/users/me/export",
  "/v1/users/me/stats",
  "/v1/users/me/badges",
  "/v1/badges",
] as const;

type Auth =
  | "valid"
  | "valid-lowercase"
  | "valid-cookie"
  | "garbage"
  | "basic"
  | "empty-bearer"
  | "none"
  | "victim-cookie-evil";

describe("fuzz headers and query strings on the read routes", () => {
  it("a valid token reads only the caller's own data, anything else is 401 (or anonymous on /v1/badges); never a 5xx", {
    timeout: 120_000,
  }, async () => {
    const arbitrary = fc.record({
      route: fc.constantFrom(...READ_ROUTES),
      auth: fc.constantFrom<Auth>(
        "valid",
        "valid",
        "valid-lowercase",
        "valid-cookie",
        "garbage",
        "basic",
        "empty-bearer",
        "none",
        "victim-cookie-evil",
      ),
      garbage: headerValue(200),
      extra: fc.dictionary(
        fc.constantFrom(
          "accept",
          "accept-encoding",
          "if-none-match",
          "range",
          "x-request-id",
          "x-forwarded-for",
          "cf-connecting-ip",
          "x-http-method-override",
          "x-user-id",
          "forwarded",
          "user-agent",
          "referer",
          "cookie",
        ),
        headerValue(120),
        { maxKeys: 4 },
      ),
      query: fc.array(
        fc.tuple(
          fc.constantFrom("userId", "id", "fields", "limit", "include", "email", "x"),
          nastyString({ maxLength: 20 }).map(wellFormed),
        ),
        { maxLength: 3 },
      ),
    });
    await check("read routes", arbitrary, 450, async ({ route, auth, garbage, extra, query }) => {
      const headers: Record<string, string> = { ...extra };
      const ownCookie = cookieFrom(user.cookies, "access_token");
      switch (auth) {
        case "valid":
          headers.authorization = `Bearer ${user.accessToken}`;
          break;
        case "valid-lowercase":
          headers.authorization = `bearer   ${user.accessToken}`;
          break;
        case "valid-cookie":
          headers.cookie = `${ownCookie}; ${headers.cookie ?? ""}`;
          break;
        case "garbage":
          headers.authorization = `Bearer ${garbage.replace(/[^\x21-\x7e]/g, "x") || "x"}`;
          break;
        case "basic":
          headers.authorization = `Basic ${btoa(`${user.email}:${user.password}`)}`;
          break;
        case "empty-bearer":
          headers.authorization = "Bearer";
          break;
        case "victim-cookie-evil":
          headers.cookie = cookieFrom(victim.cookies, "access_token");
          headers.origin = "https://evil.example";
          break;
      }
      const res = await fuzzCase(tally, { path: withQuery(route, query), headers });
      const signedIn = ["valid", "valid-lowercase", "valid-cookie", "victim-cookie-evil"].includes(auth);
      // /v1/badges answers anyone; a token that is sent must be valid, a malformed header is no token.
      const expected = route === "/v1/badges" ? (auth === "garbage" ? 401 : 200) : signedIn ? 200 : 401;
      expect(res.status).toBe(expected);
      // Whatever was asked, the answer is about its own caller only (a cookie from a foreign
      // origin may read, but gets no CORS headers, so the page there cannot see the answer).
      const owner = auth === "victim-cookie-evil" ? victim : user;
      const other = owner === victim ? user : victim;
      if (res.status === 200 && signedIn && route !== "/v1/badges") {
        expect(res.text).not.toContain(other.user.id);
        expect(res.text).not.toContain(other.email);
        if (owner === user) expect(res.text).not.toContain("victim's secret meal");
        if (route === "/v1/users/me") expect(res.body.id).toBe(owner.user.id);
      }
      if (auth === "victim-cookie-evil") expect(res.headers.get("access-control-allow-origin")).toBeNull();
    });
  });
});

// ---- public profiles ----------------------------------------------------------------------------

describe("fuzz GET /v1/users/:id", () => {
  it("200 is the public profile only (never an email), anything else 404/400; never a 5xx", {
    timeout: 120_000,
  }, async () => {
    const arbitrary = fc.record({
      target: fc.constantFrom("victim", "victim-upper", "unknown", "hostile", "hostile"),
      segment: hostileSegment(),
      signedIn: fc.boolean(),
    });
    await check("GET /v1/users/:id", arbitrary, 300, async ({ target, segment, signedIn }) => {
      const id =
        target === "victim"
          ? victim.user.id
          : target === "victim-upper"
            ? victim.user.id.toUpperCase()
            : target === "unknown"
              ? unknownId()
              : segment;
      const res = await fuzzCase(tally, {
        path: `/v1/users/${id}`,
        token: signedIn ? user.accessToken : undefined,
      });
      expect([200, 400, 401, 404]).toContain(res.status);
      if (target === "victim") expect(res.status).toBe(200);
      // (A client resolves dot segments: "/v1/users/../users/me" is the caller's own /me.)
      const pathname = new URL(`/v1/users/${id}`, "http://x").pathname;
      if (res.status === 200 && /^\/v1\/users\/[^/]+$/.test(pathname) && pathname !== "/v1/users/me") {
        expect(Object.keys(res.body).sort()).toEqual(["badges", "displayName", "id", "stats"]);
        expect(res.text).not.toContain("@");
        expect(Object.keys(res.body.stats).sort()).toEqual(["currentStreak", "longestStreak"]);
      }
    });
  });
});

// ---- time zones ---------------------------------------------------------------------------------

/** The calendar day of `instant` in `timeZone`, as Intl (the API's own zone oracle) says. */
const intlDay = (instant: string, timeZone: string) =>
  new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(
    new Date(instant),
  );

const pastInstant = fc
  .date({
    min: new Date("2001-01-01T00:00:00Z"),
    max: new Date(Date.now() - 86_400_000),
    noInvalidDate: true,
  })
  .map((date) => date.toISOString());

async function dayCountedIn(token: string, timezone: string, eatenAt: string) {
  const patched = await send({
    method: "PATCH",
    path: "/v1/users/me",
    token,
    json: { timezone, dayStartHour: 0 },
  });
  if (patched.status !== 200) return { accepted: false as const, status: patched.status };
  const created = await send({
    method: "POST",
    path: "/v1/logs",
    token,
    json: { mealType: "snack", eatenAt, title: "tz probe" },
  });
  tally.record({ method: "POST", path: "/v1/logs" }, created);
  expect(created.status, created.text).toBe(201);
  return {
    accepted: true as const,
    zone: patched.body.timezone as string,
    localDate: created.body.log.localDate as string,
  };
}

describe("fuzz time zones", () => {
  it("every IANA zone the API accepts counts a meal on the day that zone says; never a 5xx", {
    timeout: 120_000,
  }, async () => {
    const probe = await account();
    const arbitrary = fc.record({
      zone: fc.constantFrom(...Intl.supportedValuesOf("timeZone")),
      eatenAt: pastInstant,
    });
    // The Worker validates zones with its own ICU data, PostgreSQL computes the day with its own
    // tzdata: where the two disagree (a rule change one of them does not know yet), the API can only
    // follow PostgreSQL. Those disagreements are counted and printed, not failed.
    const skews: string[] = [];
    await check("IANA zones", arbitrary, 55, async ({ zone, eatenAt }) => {
      const outcome = await dayCountedIn(probe.accessToken, zone, eatenAt);
      expect(outcome.accepted, `${zone} refused (${outcome.accepted ? "" : outcome.status})`).toBe(true);
      if (!outcome.accepted) return;
      const expected = intlDay(eatenAt, zone);
      if (outcome.localDate === expected) return;
      const [postgres] = await sql<{ day: string }>(
        "select (($1::timestamptz) at time zone $2)::date::text as day",
        [eatenAt, outcome.zone],
      );
      expect(outcome.localDate, `${eatenAt} in ${zone}`).toBe(postgres!.day);
      skews.push(`${zone} at ${eatenAt}: Intl ${expected}, PostgreSQL ${postgres!.day}`);
    });
    console.log(
      `fuzz[users] time zones: 55 zone/instant pairs, ${skews.length} tzdata disagreements between Intl and PostgreSQL${skews.length ? ` (${skews.join("; ")})` : ""}`,
    );
  });

  // A fixed bug, kept as a regression test (src/lib/time-zone.ts canonicalTimeZone + SQL local_day()):
  // Intl accepts UTC-offset zones ("+05:30", "-0800", "+14"), so signup and PATCH /v1/users/me store
  // them, but PostgreSQL reads "+05:30" as a POSIX zone (hours WEST of Greenwich), the opposite sign: a
  // meal at 23:30 UTC in "+05:30" (05:00 next day locally) is counted on the previous day, and "-08:00"
  // a day late.
  it("an offset zone such as +05:30 counts a meal on its own local day", async () => {
    const probe = await account();
    for (const [zone, eatenAt] of [
      ["+05:30", "2026-11-20T23:30:00Z"],
      ["-08:00", "2026-11-20T23:30:00Z"],
    ] as const) {
      const outcome = await dayCountedIn(probe.accessToken, zone, eatenAt);
      if (outcome.accepted) expect(outcome.localDate, `${eatenAt} in ${zone}`).toBe(intlDay(eatenAt, zone));
    }
  });
});

describe("figures", () => {
  it("no 5xx, no contract violation, no write by a rejected request", () => {
    expect(tally.fiveXX).toEqual([]);
    expect(tally.violations).toEqual([]);
    expect(tally.writesByRejected).toBe(0);
  });
});
