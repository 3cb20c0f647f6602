import { describe, expect, it } from "vitest";
import { unknownId } from "../helpers/db";
import { expectProblem } from "../helpers/http";
import { getLog, logMeal, problemIdentity } from "../helpers/logs";
import { newUser } from "../helpers/users";

describe("GET /v1/logs/:id: happy path", () => {
  it("answers 200 with the log, as created", async () => {
    const account = await newUser();
    const { log } = await logMeal(account.accessToken, {
      mealType: "breakfast",
      eatenAt: "2026-11-22T07:45:00+09:00",
      title: "Gyeran-bap",
      calories: 420,
      tags: ["homemade"],
    });
    const { status, body, headers } = await getLog(account.accessToken, log.id);
    expect(status).toBe(200);
    expect(headers.get("content-type")).toMatch(/^application\/json/);
    expect(body).toEqual(log);
  });

  it("answers the right one among several", async () => {
    const account = await newUser();
    const logs = [];
    for (const title of ["Japchae", "Galbi", "Naengmyeon"]) {
      logs.push((await logMeal(account.accessToken, { title })).log);
    }
    for (const log of logs) expect((await getLog(account.accessToken, log.id)).body).toEqual(log);
  });
});

describe("GET /v1/logs/:id: errors", () => {
  it("answers 404 problem+json for an id that does not exist", async () => {
    const account = await newUser();
    await logMeal(account.accessToken);
    const { response } = await getLog(account.accessToken, unknownId());
    const problem = await expectProblem(response, 404);
    expect(problem.code).toBe("NOT_FOUND");
  });

  it.each([
    "not-a-uuid",
    "12345",
    "0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5",
    "0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5bz",
  ])("answers the same 404 for a malformed id (%s)", async (id) => {
    const account = await newUser();
    const missing = await expectProblem((await getLog(account.accessToken, unknownId())).response, 404);
    const malformed = await expectProblem((await getLog(account.accessToken, id)).response, 404);
    expect(problemIdentity(malformed)).toEqual(problemIdentity(missing));
  });

  it("never reads 'summary' as an id (the summary route wins and asks for its range)", async () => {
    const account = await newUser();
    const { response } = await getLog(account.accessToken, "summary");
    const problem = await expectProblem(response, 400);
    expect(problem.errors?.map((error) => error.path)).toEqual(expect.arrayContaining(["from", "to"]));
  });
});
