import { describe, expect, it } from "vitest";
import { authCall } from "../helpers/auth";
import { call, expectProblem } from "../helpers/http";
import { getMe, signUp } from "../helpers/users";

const patchMe = (token: string, body: unknown) => authCall("/v1/users/me", { method: "PATCH", token, body });

const NO_GOALS = { calories: null, proteinG: null, carbsG: null, fatG: null };

describe("GET /v1/users/me", () => {
  it("answers 200 with the signed-in user", async () => {
    const account = await signUp({ displayName: "Kim", timezone: "Asia/Tokyo" });
    const { status, body, response } = await getMe(account.accessToken);
    expect(status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(body).toEqual({
      id: account.user.id,
      email: account.email,
      displayName: "Kim",
      timezone: "Asia/Tokyo",
      dayStartHour: 0,
      goals: NO_GOALS,
      createdAt: expect.any(String),
    });
    expect(new Date(body.createdAt).toISOString()).toBe(body.createdAt);
    expect(JSON.stringify(body)).not.toMatch(/password|hash|token/i);
  });

  it("answers 401 problem+json with a Bearer challenge without a token", async () => {
    const response = await call("/v1/users/me");
    const challenge = response.headers.get("www-authenticate");
    const problem = await expectProblem(response, 401);
    expect(problem.code).toBe("UNAUTHENTICATED");
    expect(challenge).toContain("Bearer");
  });
});

describe("PATCH /v1/users/me: happy path", () => {
  it("changes the display name (trimmed) and answers the whole user", async () => {
    const account = await signUp();
    const { status, body } = await patchMe(account.accessToken, { displayName: "  새 이름  " });
    expect(status).toBe(200);
    expect(body).toEqual({ ...account.user, displayName: "새 이름" });
    expect((await getMe(account.accessToken)).body).toEqual(body);
  });

  it("changes the time zone, canonicalising its spelling", async () => {
    const account = await signUp();
    for (const [given, canonical] of [
      ["asia/seoul", "Asia/Seoul"],
      ["AMERICA/NEW_YORK", "America/New_York"],
      ["Europe/London", "Europe/London"],
      ["UTC", "UTC"],
    ]) {
      const { status, body } = await patchMe(account.accessToken, { timezone: given });
      expect(status).toBe(200);
      expect(body.timezone).toBe(canonical);
    }
    expect((await getMe(account.accessToken)).body.timezone).toBe("UTC");
  });

  it("accepts every day start hour from 0 to 6", async () => {
    const account = await signUp();
    for (const hour of [6, 0, 4]) {
      const { status, body } = await patchMe(account.accessToken, { dayStartHour: hour });
      expect(status).toBe(200);
      expect(body.dayStartHour).toBe(hour);
    }
    expect((await getMe(account.accessToken)).body.dayStartHour).toBe(4);
  });

  it("patches goals partially; null clears one goal and leaves the others", async () => {
    const account = await signUp();
    let { body } = await patchMe(account.accessToken, { goals: { calories: 2000 } });
    expect(body.goals).toEqual({ ...NO_GOALS, calories: 2000 });
    ({ body } = await patchMe(account.accessToken, { goals: { proteinG: 120, carbsG: 250, fatG: 70 } }));
    expect(body.goals).toEqual({ calories: 2000, proteinG: 120, carbsG: 250, fatG: 70 });
    ({ body } = await patchMe(account.accessToken, { goals: { calories: null, fatG: 0 } }));
    expect(body.goals).toEqual({ calories: null, proteinG: 120, carbsG: 250, fatG: 0 });
    ({ body } = await patchMe(account.accessToken, { goals: {} }));
    expect(body.goals).toEqual({ calories: null, proteinG: 120, carbsG: 250, fatG: 0 });
    expect((await getMe(account.accessToken)).body.goals).toEqual(body.goals);
  });

  it("changes several fields at once, and leaves what was not sent alone", async () => {
    const account = await signUp({ displayName: "Before", timezone: "Asia/Seoul" });
    const { body } = await patchMe(account.accessToken, {
      timezone: "Europe/Paris",
      dayStartHour: 3,
      goals: { calories: 1800 },
    });
    expect(body).toMatchObject({
      displayName: "Before",
      email: account.email,
      timezone: "Europe/Paris",
      dayStartHour: 3,
      goals: { ...NO_GOALS, calories: 1800 },
    });
    // An empty patch is refused (it would change nothing) and indeed changes nothing.
    expect((await patchMe(account.accessToken, {})).status).toBe(400);
    expect((await getMe(account.accessToken)).body).toEqual(body);
  });
});

describe("PATCH /v1/users/me: invalid input", () => {
  const paths = (problem: { errors?: { path: string }[] }) =>
    problem.errors?.map((error) => error.path).sort();

  it("refuses an unknown time zone with 400 and errors[].path timezone, changing nothing", async () => {
    const account = await signUp({ timezone: "Asia/Seoul" });
    for (const timezone of ["Mars/Olympus_Mons", "Asia/Seoul2", "", "x".repeat(65)]) {
      const problem = await expectProblem((await patchMe(account.accessToken, { timezone })).response, 400);
      expect(problem.code).toBe("INVALID_INPUT");
      expect(paths(problem)).toEqual(["timezone"]);
    }
    // A batch with an invalid zone changes nothing at all, not even the valid fields next to it.
    const mixed = await patchMe(account.accessToken, { displayName: "Half", timezone: "Nowhere/Land" });
    await expectProblem(mixed.response, 400);
    expect((await getMe(account.accessToken)).body).toMatchObject({
      displayName: "Test User",
      timezone: "Asia/Seoul",
    });
  });

  it.each([
    ["a day start hour of 7", { dayStartHour: 7 }, ["dayStartHour"]],
    ["a negative day start hour", { dayStartHour: -1 }, ["dayStartHour"]],
    ["a fractional day start hour", { dayStartHour: 2.5 }, ["dayStartHour"]],
    ["a day start hour as a string", { dayStartHour: "4" }, ["dayStartHour"]],
    ["a null day start hour", { dayStartHour: null }, ["dayStartHour"]],
    ["an empty display name", { displayName: "  " }, ["displayName"]],
    ["a display name over 50 characters", { displayName: "n".repeat(51) }, ["displayName"]],
    ["a display name with a newline", { displayName: "two\nlines" }, ["displayName"]],
    ["a negative goal", { goals: { calories: -1 } }, ["goals.calories"]],
    ["a fractional goal", { goals: { proteinG: 10.5 } }, ["goals.proteinG"]],
    ["a goal over its maximum", { goals: { calories: 20_001 } }, ["goals.calories"]],
    ["a goal as a string", { goals: { fatG: "70" } }, ["goals.fatG"]],
    ["an unknown goal", { goals: { sugarG: 10 } }, ["goals.sugarG"]],
    ["goals as null", { goals: null }, ["goals"]],
  ])("refuses %s with 400", async (_label, patch, expected) => {
    const account = await signUp();
    const problem = await expectProblem((await patchMe(account.accessToken, patch)).response, 400);
    expect(problem.code).toBe("INVALID_INPUT");
    expect(paths(problem)).toEqual(expected);
    expect((await getMe(account.accessToken)).body).toEqual(account.user);
  });

  it("refuses unknown fields: email, id, password and others cannot be set here", async () => {
    const account = await signUp();
    for (const field of [
      { email: "new@example.com" },
      { id: crypto.randomUUID() },
      { passwordHash: "pbkdf2-sha256$1$AA==$AA==" },
      { createdAt: "2020-01-01T00:00:00Z" },
      { nickname: "x" },
    ]) {
      const problem = await expectProblem((await patchMe(account.accessToken, field)).response, 400);
      expect(problem.errors?.[0]?.message).toContain(Object.keys(field)[0]);
    }
    expect((await getMe(account.accessToken)).body).toEqual(account.user);
  });

  it("refuses a body that is not JSON", async () => {
    const account = await signUp();
    const response = await call("/v1/users/me", {
      method: "PATCH",
      token: account.accessToken,
      rawBody: "displayName=x",
      headers: { "content-type": "text/plain" },
    });
    await expectProblem(response, 415);
  });

  it("answers 401 without a token", async () => {
    await expectProblem(
      (await authCall("/v1/users/me", { method: "PATCH", body: { displayName: "x" } })).response,
      401,
    );
  });
});

describe("/v1/users/me: another user's token only ever reaches that user", () => {
  it("GET shows B to B, never A", async () => {
    const a = await signUp({ displayName: "Alice" });
    const b = await signUp({ displayName: "Bob" });
    const { body } = await getMe(b.accessToken);
    expect(body.id).toBe(b.user.id);
    expect(body.email).toBe(b.email);
    expect(JSON.stringify(body)).not.toContain(a.user.id);
    expect(JSON.stringify(body)).not.toContain(a.email);
  });

  it("PATCH with B's token changes B only; A is unchanged", async () => {
    const a = await signUp({ displayName: "Alice", timezone: "Asia/Seoul" });
    const b = await signUp({ displayName: "Bob", timezone: "Asia/Seoul" });
    const before = (await getMe(a.accessToken)).body;
    const { body } = await patchMe(b.accessToken, {
      displayName: "Bob 2",
      timezone: "Europe/Paris",
      dayStartHour: 5,
      goals: { calories: 1234 },
    });
    expect(body.id).toBe(b.user.id);
    expect(body.displayName).toBe("Bob 2");
    expect((await getMe(a.accessToken)).body).toEqual(before);
  });

  it("GET /me/stats and /me/badges with B's token show B's, not A's", async () => {
    const a = await signUp();
    const b = await signUp();
    const logged = await authCall("/v1/logs", {
      token: a.accessToken,
      body: { mealType: "dinner", eatenAt: new Date().toISOString(), title: "A's dinner" },
    });
    expect(logged.status).toBe(201);
    const statsA = await authCall("/v1/users/me/stats", { token: a.accessToken });
    const statsB = await authCall("/v1/users/me/stats", { token: b.accessToken });
    expect(statsA.body.totalLogs).toBe(1);
    expect(statsB.status).toBe(200);
    expect(statsB.body).toMatchObject({ totalLogs: 0, daysLogged: 0, currentStreak: 0, badgesEarned: 0 });
    const badgesB = await authCall("/v1/users/me/badges", { token: b.accessToken });
    expect(badgesB.status).toBe(200);
    expect(badgesB.body.items).toEqual([]);
  });

  it("every /me route answers 401 without a token", async () => {
    for (const [method, path] of [
      ["GET", "/v1/users/me"],
      ["PATCH", "/v1/users/me"],
      ["DELETE", "/v1/users/me"],
      ["GET", "/v1/users/me/export"],
      ["GET", "/v1/users/me/stats"],
      ["GET", "/v1/users/me/badges"],
    ] as const) {
      const body = method === "GET" ? undefined : {};
      const { response } = await authCall(path, { method, body });
      await expectProblem(response, 401);
    }
  });
});
