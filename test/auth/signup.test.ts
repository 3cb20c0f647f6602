import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ACCESS_TTL, authCall, claimsOf, REFRESH_TTL, setCookie } from "../helpers/auth";
import { BASE_URL, call, expectProblem, uniqueIp, withBindings } from "../helpers/http";
import { DEFAULT_PASSWORD, getMe, logIn, uniqueEmail } from "../helpers/users";

const signup = (body: Record<string, unknown>, ip = uniqueIp()) => authCall("/v1/auth/signup", { ip, body });

const valid = (overrides: Record<string, unknown> = {}) => ({
  email: uniqueEmail(),
  password: DEFAULT_PASSWORD,
  displayName: "Kim Sikdan",
  ...overrides,
});

/** A signup as the edge delivers it, with `request.cf` (the edge's guess of the time zone). */
async function signupFromEdge(body: Record<string, unknown>, cf?: Record<string, unknown>) {
  const init = {
    method: "POST",
    headers: { "content-type": "application/json", "CF-Connecting-IP": uniqueIp() },
    body: JSON.stringify(body),
    ...(cf ? { cf } : {}),
  };
  const response = await exports.default.fetch(new Request(new URL("/v1/auth/signup", BASE_URL), init));
  return { status: response.status, body: (await response.json()) as any };
}

/** A syntactically valid address of exactly `length` characters (unique local part). */
function emailOfLength(length: number) {
  const local = `${crypto.randomUUID()}${"a".repeat(64)}`.slice(0, 64);
  const fixed = `${local}@${"b".repeat(63)}.${"c".repeat(63)}.`;
  const last = length - fixed.length - ".com".length;
  return `${fixed}${"d".repeat(last)}.com`;
}

describe("POST /v1/auth/signup: happy path", () => {
  it("creates the account and answers 201 { user, accessToken, refreshToken, expiresIn }", async () => {
    const input = valid({ timezone: "Europe/Paris" });
    const { status, body } = await signup(input);
    expect(status).toBe(201);
    expect(body).toEqual({
      user: {
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        email: input.email,
        displayName: "Kim Sikdan",
        timezone: "Europe/Paris",
        dayStartHour: 0,
        goals: { calories: null, proteinG: null, carbsG: null, fatG: null },
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/),
      },
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: ACCESS_TTL,
    });
    expect(claimsOf(body.accessToken).sub).toBe(body.user.id);
    // The new account is usable at once, and the profile it shows is the one just returned.
    const me = await getMe(body.accessToken);
    expect(me.status).toBe(200);
    expect(me.body).toEqual(body.user);
  });

  it("never returns the password or its hash", async () => {
    const { body } = await signup(valid());
    const text = JSON.stringify(body);
    expect(text).not.toContain(DEFAULT_PASSWORD);
    expect(text).not.toMatch(/pbkdf2|passwordHash|password_hash/i);
  });

  it("sets the access and refresh cookies (HttpOnly, SameSite=Lax)", async () => {
    const { response, body } = await signup(valid());
    const cookies = response.headers.getSetCookie();
    const access = setCookie(cookies, "access_token");
    expect(access.value).toBe(body.accessToken);
    expect(access.attributes).toMatchObject({ httponly: true, samesite: "Lax", path: "/" });
    expect(access.attributes["max-age"]).toBe(String(ACCESS_TTL));
    const refresh = setCookie(cookies, "refresh_token");
    expect(refresh.value).toBe(body.refreshToken);
    expect(refresh.attributes).toMatchObject({ httponly: true, samesite: "Lax", path: "/v1/auth" });
    expect(refresh.attributes["max-age"]).toBe(String(REFRESH_TTL));
  });

  it("trims the email, keeps its case, and matches it case-insensitively afterwards", async () => {
    const id = crypto.randomUUID();
    const { status, body } = await signup(valid({ email: `  Kim-${id}@Example.COM ` }));
    expect(status).toBe(201);
    expect(body.user.email).toBe(`Kim-${id}@Example.COM`);
    const lower = await logIn(`kim-${id}@example.com`, DEFAULT_PASSWORD);
    expect(lower.user.id).toBe(body.user.id);
    const shouting = await logIn(`  KIM-${id}@EXAMPLE.COM\t`, DEFAULT_PASSWORD);
    expect(shouting.user.id).toBe(body.user.id);
  });

  it("trims the display name", async () => {
    const { body } = await signup(valid({ displayName: "  김식단  " }));
    expect(body.user.displayName).toBe("김식단");
  });

  it("accepts boundary lengths: a 254-character email, a 128-character password, a 50-character name", async () => {
    const email = emailOfLength(254);
    expect(email).toHaveLength(254);
    const password = `${"p".repeat(127)}!`;
    const { status, body } = await signup({ email, password, displayName: "식".repeat(50) });
    expect(status).toBe(201);
    expect(body.user.displayName).toHaveLength(50);
    expect((await logIn(email, password)).user.id).toBe(body.user.id);
  });

  it("accepts a password of 8 characters with inner and outer spaces, kept as typed", async () => {
    const { body } = await signup(valid({ password: " pa ss  " }));
    expect((await logIn(body.user.email, " pa ss  ")).user.id).toBe(body.user.id);
    const trimmed = await authCall("/v1/auth/login", { body: { email: body.user.email, password: "pa ss" } });
    await expectProblem(trimmed.response, 401);
  });
});

describe("POST /v1/auth/signup: time zone", () => {
  it("takes the client's zone first, in its canonical spelling", async () => {
    const { body } = await signupFromEdge(valid({ timezone: "america/new_york" }), {
      timezone: "Europe/Paris",
    });
    expect(body.user.timezone).toBe("America/New_York");
  });

  it("else takes the edge's guess (request.cf.timezone)", async () => {
    const { status, body } = await signupFromEdge(valid(), { timezone: "Europe/Paris" });
    expect(status).toBe(201);
    expect(body.user.timezone).toBe("Europe/Paris");
  });

  it("else falls back to Asia/Seoul (no guess, or a guess that names no zone)", async () => {
    expect((await signupFromEdge(valid())).body.user.timezone).toBe("Asia/Seoul");
    const bogus = await signupFromEdge(valid(), { timezone: "Not/AZone" });
    expect(bogus.status).toBe(201);
    expect(bogus.body.user.timezone).toBe("Asia/Seoul");
  });

  describe("on the local server (EDGE_TIMEZONE_GUESS=off, set by every local launcher)", () => {
    const local = withBindings({ EDGE_TIMEZONE_GUESS: "off" });
    // The part of wrangler dev's made-up request.cf (Miniflare's fallback) that looks like a guess.
    const placeholderCf = {
      colo: "DFW",
      city: "Austin",
      region: "Texas",
      country: "US",
      timezone: "America/Chicago",
    };
    const signupLocally = async (body: Record<string, unknown>) => {
      const init = {
        method: "POST",
        headers: { "content-type": "application/json", "CF-Connecting-IP": uniqueIp() },
        body: JSON.stringify(body),
        cf: placeholderCf,
      };
      const response = await local("/v1/auth/signup", init);
      return { status: response.status, body: (await response.json()) as any };
    };

    it("does not take the placeholder cf object for a guess: Asia/Seoul", async () => {
      const { status, body } = await signupLocally(valid());
      expect(status).toBe(201);
      expect(body.user.timezone).toBe("Asia/Seoul");
    });

    it("still takes the client's zone", async () => {
      const { body } = await signupLocally(valid({ timezone: "America/Sao_Paulo" }));
      expect(body.user.timezone).toBe("America/Sao_Paulo");
    });
  });

  it("refuses an unknown zone from the client with 400 on path timezone, whatever the edge guesses", async () => {
    const { status, body } = await signupFromEdge(valid({ timezone: "Mars/Olympus_Mons" }), {
      timezone: "Europe/Paris",
    });
    expect(status).toBe(400);
    expect(body.code).toBe("INVALID_INPUT");
    expect(body.errors).toEqual([
      { path: "timezone", message: expect.stringContaining("Mars/Olympus_Mons") },
    ]);
  });
});

describe("POST /v1/auth/signup: invalid input", () => {
  const paths = (problem: { errors?: { path: string }[] }) =>
    problem.errors?.map((error) => error.path).sort();

  it("names every missing field", async () => {
    const { response } = await signup({});
    const problem = await expectProblem(response, 400);
    expect(problem.code).toBe("INVALID_INPUT");
    expect(paths(problem)).toEqual(["displayName", "email", "password"]);
  });

  it.each([
    ["a malformed email", { email: "not-an-email" }, "email"],
    ["an email over 254 characters", { email: emailOfLength(255) }, "email"],
    ["a password under 8 characters", { password: "short12" }, "password"],
    ["a password over 128 characters", { password: "p".repeat(129) }, "password"],
    ["a password of only whitespace", { password: " \t        " }, "password"],
    ["an empty display name", { displayName: "   " }, "displayName"],
    ["a display name over 50 characters", { displayName: "x".repeat(51) }, "displayName"],
    ["a display name with control characters", { displayName: "Kim\u0007" }, "displayName"],
    ["an unknown time zone", { timezone: "Asia/Atlantis" }, "timezone"],
    ["a time zone over 64 characters", { timezone: `Asia/${"x".repeat(64)}` }, "timezone"],
    ["a non-string email", { email: 42 }, "email"],
  ])("refuses %s with 400 on its path", async (_label, overrides, path) => {
    const { response } = await signup(valid(overrides));
    const problem = await expectProblem(response, 400);
    expect(problem.code).toBe("INVALID_INPUT");
    expect(paths(problem)).toEqual([path]);
  });

  it("refuses unknown fields (no mass assignment)", async () => {
    for (const extra of [{ isAdmin: true }, { dayStartHour: 4 }, { id: crypto.randomUUID() }]) {
      const email = uniqueEmail();
      const { response } = await signup(valid({ email, ...extra }));
      const problem = await expectProblem(response, 400);
      expect(problem.errors?.[0]?.message).toContain(Object.keys(extra)[0]);
      // Nothing was created: the same email can still sign up.
      expect((await signup(valid({ email }))).status).toBe(201);
    }
  });

  it("refuses a body that is not JSON (415) or not well-formed JSON (400)", async () => {
    const form = await call("/v1/auth/signup", {
      method: "POST",
      rawBody: "email=a@b.co",
      headers: { "content-type": "application/x-www-form-urlencoded", "CF-Connecting-IP": uniqueIp() },
    });
    expect((await expectProblem(form, 415)).code).toBe("UNSUPPORTED_MEDIA_TYPE");
    const broken = await call("/v1/auth/signup", {
      method: "POST",
      rawBody: '{"email": ',
      headers: { "content-type": "application/json", "CF-Connecting-IP": uniqueIp() },
    });
    await expectProblem(broken, 400);
  });
});

describe("POST /v1/auth/signup: duplicate emails", () => {
  it("answers 409 for an email taken in another case or with spaces around it", async () => {
    const id = crypto.randomUUID();
    expect((await signup(valid({ email: `  Kim-${id}@Example.COM ` }))).status).toBe(201);
    for (const again of [`kim-${id}@example.com`, `KIM-${id}@EXAMPLE.COM`, ` Kim-${id}@Example.COM`]) {
      const { response } = await signup(valid({ email: again }));
      const problem = await expectProblem(response, 409);
      expect(problem.code).toBe("CONFLICT");
      expect(problem.detail).not.toContain("password");
    }
  });

  it("lets exactly one of 20 parallel signups with one email win; the 19 others get 409", async () => {
    const id = crypto.randomUUID();
    const variants = [`race-${id}@example.com`, `RACE-${id}@EXAMPLE.COM`, ` Race-${id}@Example.com `];
    // Every request from its own address, so the per-IP signup limit plays no part.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        signup(valid({ email: variants[i % variants.length], displayName: `racer ${i}` })),
      ),
    );
    const statuses = results.map((result) => result.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(19);
    for (const loser of results.filter((result) => result.status === 409)) {
      expect(loser.response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(loser.body.code).toBe("CONFLICT");
    }
    // The one account that exists is the winner's, and it is reachable by any spelling.
    const winner = results.find((result) => result.status === 201)!;
    const login = await logIn(`race-${id}@example.com`, DEFAULT_PASSWORD);
    expect(login.user).toEqual(winner.body.user);
  });
});
