import { describe, expect, it } from "vitest";
import { cookieHeader } from "../helpers/auth";
import { unknownId } from "../helpers/db";
import { callJson, expectProblem } from "../helpers/http";
import {
  deleteLog,
  expectNoLogs,
  getLog,
  getSummary,
  listedIds,
  listLogs,
  logMeal,
  patchLog,
  postLog,
  problemIdentity,
  summaryOf,
  validLog,
} from "../helpers/logs";
import { newUser } from "../helpers/users";

/** Every route of the feature, as a request with the given token (or none). */
const routes = (token: string | undefined, id: string) =>
  [
    ["POST /v1/logs", () => postLog(token as string, validLog())],
    ["GET /v1/logs", () => listLogs(token)],
    ["GET /v1/logs/:id", () => getLog(token, id)],
    ["PATCH /v1/logs/:id", () => patchLog(token, id, { title: "Changed" })],
    ["DELETE /v1/logs/:id", () => deleteLog(token, id)],
    ["GET /v1/logs/summary", () => getSummary(token, "2026-11-01", "2026-11-30")],
  ] as const;

async function expectUnauthenticated(response: Response) {
  const problem = await expectProblem(response, 401);
  expect(problem.code).toBe("UNAUTHENTICATED");
  return problem;
}

describe("meal logs need a signed-in user", () => {
  it("every route answers 401 problem+json without a token, and nothing is written or changed", async () => {
    const owner = await newUser();
    const { log } = await logMeal(owner.accessToken);
    for (const [, request] of routes(undefined, log.id)) {
      const { response } = await request();
      await expectUnauthenticated(response);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer /);
    }
    expect(await listedIds(owner.accessToken)).toEqual([log.id]);
    expect((await getLog(owner.accessToken, log.id)).body).toEqual(log);
  });

  it.each([
    ["a token that is not a JWT", "not-a-jwt"],
    ["a JWT with a forged signature", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"],
  ])("every route answers 401 to %s", async (_what, token) => {
    const owner = await newUser();
    const { log } = await logMeal(owner.accessToken);
    for (const [, request] of routes(token, log.id)) await expectUnauthenticated((await request()).response);
    expect((await getLog(owner.accessToken, log.id)).body).toEqual(log);
  });

  it("every route answers 401 to the access token of a session that has logged out", async () => {
    const account = await newUser();
    const { log } = await logMeal(account.accessToken);
    const logout = await callJson("/v1/auth/logout", { method: "POST", token: account.accessToken });
    expect(logout.status).toBe(204);
    for (const [, request] of routes(account.accessToken, log.id)) {
      await expectUnauthenticated((await request()).response);
    }
  });

  it("checks the token before the body: an invalid body without a token is 401, not 400", async () => {
    const { response } = await callJson("/v1/logs", { method: "POST", body: { title: "" } });
    await expectUnauthenticated(response);
  });
});

describe("only the owner ever sees or touches a log", () => {
  it("another user's GET/PATCH/DELETE answer the same 404 as a random id and a malformed id", async () => {
    const owner = await newUser();
    const intruder = await newUser();
    const { log } = await logMeal(owner.accessToken, { calories: 500, tags: ["private"] });
    const token = intruder.accessToken;

    const attempts = {
      get: [() => getLog(token, log.id), () => getLog(token, unknownId()), () => getLog(token, "malformed")],
      patch: [
        () => patchLog(token, log.id, { calories: 1 }),
        () => patchLog(token, unknownId(), { calories: 1 }),
        () => patchLog(token, "malformed", { calories: 1 }),
      ],
      delete: [
        () => deleteLog(token, log.id),
        () => deleteLog(token, unknownId()),
        () => deleteLog(token, "malformed"),
      ],
    };
    for (const [method, [theirs, random, malformed]] of Object.entries(attempts)) {
      const notYours = await expectProblem((await theirs!()).response, 404);
      const missing = await expectProblem((await random!()).response, 404);
      const bad = await expectProblem((await malformed!()).response, 404);
      expect(notYours.code, method).toBe("NOT_FOUND");
      expect(problemIdentity(notYours), method).toEqual(problemIdentity(missing));
      expect(problemIdentity(notYours), method).toEqual(problemIdentity(bad));
    }

    // The owner's log is exactly as it was, and still theirs.
    expect((await getLog(owner.accessToken, log.id)).body).toEqual(log);
    expect(await listedIds(owner.accessToken)).toEqual([log.id]);
  });

  it("another user's PATCH of every field changes nothing", async () => {
    const owner = await newUser();
    const intruder = await newUser();
    const { log } = await logMeal(owner.accessToken, { calories: 500 });
    const { response } = await patchLog(intruder.accessToken, log.id, {
      mealType: "snack",
      eatenAt: "2026-11-01T12:00:00+09:00",
      title: "Hacked",
      note: "pwned",
      photoUrl: "https://evil.example/x.jpg",
      calories: 9999,
      proteinG: 1,
      carbsG: 1,
      fatG: 1,
      tags: ["hacked"],
    });
    await expectProblem(response, 404);
    expect((await getLog(owner.accessToken, log.id)).body).toEqual(log);
    // Nor did it land in the intruder's own data.
    await expectNoLogs(intruder.accessToken);
  });

  it("another user's list and summary never include it, whatever the filters", async () => {
    const owner = await newUser();
    const other = await newUser();
    await logMeal(owner.accessToken, {
      eatenAt: "2026-11-20T12:00:00+09:00",
      mealType: "dinner",
      calories: 800,
      tags: ["secret"],
    });
    const mine = await logMeal(other.accessToken, { eatenAt: "2026-11-20T13:00:00+09:00", calories: 100 });

    expect(await listedIds(other.accessToken)).toEqual([mine.log.id]);
    for (const query of [
      { tag: "secret" },
      { mealType: "dinner" },
      { from: "2026-11-20", to: "2026-11-20" },
      { limit: 100 },
    ]) {
      const ids = await listedIds(other.accessToken, query);
      expect(ids.every((id) => id === mine.log.id)).toBe(true);
    }
    const summary = await summaryOf(other.accessToken, "2026-11-19", "2026-11-21");
    expect(summary.totals).toEqual({ meals: 1, calories: 100, proteinG: 0, carbsG: 0, fatG: 0 });
  });

  it("one user's cursor used by another pages only the other's own logs", async () => {
    const owner = await newUser();
    const other = await newUser();
    for (const hour of ["10", "11", "12"]) {
      await logMeal(owner.accessToken, { eatenAt: `2026-11-20T${hour}:00:00+09:00` });
    }
    const older = await logMeal(other.accessToken, { eatenAt: "2026-11-19T12:00:00+09:00" });
    await logMeal(other.accessToken, { eatenAt: "2026-11-21T12:00:00+09:00" });
    const ownersPage = await listLogs(owner.accessToken, { limit: 1 });
    const { status, body } = await listLogs(other.accessToken, { cursor: ownersPage.body.nextCursor! });
    expect(status).toBe(200);
    expect(body.items.map((log) => log.id)).toEqual([older.log.id]);
  });

  it("a user's delete of their own log leaves the other user's logs alone", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const hers = await logMeal(alice.accessToken);
    const his = await logMeal(bob.accessToken);
    expect((await deleteLog(bob.accessToken, his.log.id)).status).toBe(204);
    expect((await getLog(alice.accessToken, hers.log.id)).body).toEqual(hers.log);
  });
});

describe("cookie-authenticated writes (CSRF)", () => {
  it("a write from a foreign Origin with the access cookie is 403 and writes nothing", async () => {
    const account = await newUser();
    const cookie = cookieHeader(account.cookies);
    const { response } = await callJson("/v1/logs", {
      method: "POST",
      body: validLog(),
      headers: { Cookie: cookie, Origin: "https://evil.example" },
    });
    expect((await expectProblem(response, 403)).code).toBe("FORBIDDEN");
    await expectNoLogs(account.accessToken);
  });

  it("a PATCH or DELETE from a foreign Origin with the access cookie is 403 and changes nothing", async () => {
    const account = await newUser();
    const { log } = await logMeal(account.accessToken);
    const headers = { Cookie: cookieHeader(account.cookies), Origin: "https://evil.example" };
    await expectProblem(
      (await callJson(`/v1/logs/${log.id}`, { method: "PATCH", body: { title: "x" }, headers })).response,
      403,
    );
    await expectProblem((await callJson(`/v1/logs/${log.id}`, { method: "DELETE", headers })).response, 403);
    expect((await getLog(account.accessToken, log.id)).body).toEqual(log);
  });

  it("the same cookie from an allowed Origin writes", async () => {
    const account = await newUser();
    const { status } = await callJson("/v1/logs", {
      method: "POST",
      body: validLog(),
      headers: { Cookie: cookieHeader(account.cookies), Origin: "http://localhost:3000" },
    });
    expect(status).toBe(201);
    expect(await listedIds(account.accessToken)).toHaveLength(1);
  });
});
