import { describe, expect, it } from "vitest";
import { ISO_UTC, unknownId } from "../helpers/db";
import { expectProblem } from "../helpers/http";
import { deleteLog, getLog, listedIds, logMeal, patchLog, problemIdentity } from "../helpers/logs";
import { newUser } from "../helpers/users";

const full = {
  mealType: "lunch",
  eatenAt: "2026-11-20T12:30:00+09:00",
  title: "Kimbap",
  note: "From the corner shop",
  photoUrl: "https://images.example.com/kimbap.jpg",
  calories: 480,
  proteinG: 14,
  carbsG: 70.5,
  fatG: 11.25,
  tags: ["takeout"],
};

describe("PATCH /v1/logs/:id: happy path", () => {
  it("changes one field, keeps the others, answers 200 { log, events }", async () => {
    const account = await newUser();
    const { log } = await logMeal(account.accessToken, full);
    const { status, body } = await patchLog(account.accessToken, log.id, { calories: 520 });
    expect(status).toBe(200);
    expect(body).toEqual({
      log: { ...log, calories: 520, updatedAt: expect.stringMatching(ISO_UTC) },
      events: expect.any(Array),
    });
    expect(Date.parse(body.log.updatedAt)).toBeGreaterThanOrEqual(Date.parse(log.updatedAt));
    expect((await getLog(account.accessToken, log.id)).body).toEqual(body.log);
  });

  it("changes every writable field at once", async () => {
    const account = await newUser();
    const { log } = await logMeal(account.accessToken, full);
    const change = {
      mealType: "dinner",
      eatenAt: "2026-11-19T19:00:00+09:00",
      title: "Samgyeopsal",
      note: "With friends",
      photoUrl: "https://images.example.com/samgyeopsal.jpg",
      calories: 900,
      proteinG: 45.5,
      carbsG: 20,
      fatG: 70.75,
      tags: ["grilled", "social"],
    };
    const { status, body } = await patchLog(account.accessToken, log.id, change);
    expect(status).toBe(200);
    expect(body.log).toEqual({
      ...change,
      id: log.id,
      eatenAt: "2026-11-19T10:00:00.000Z",
      localDate: "2026-11-19",
      items: [],
      createdAt: log.createdAt,
      updatedAt: expect.stringMatching(ISO_UTC),
    });
    expect((await getLog(account.accessToken, log.id)).body).toEqual(body.log);
  });

  it("clears the nullable fields with null, and the tags with []", async () => {
    const account = await newUser();
    const { log } = await logMeal(account.accessToken, full);
    const { status, body } = await patchLog(account.accessToken, log.id, {
      note: null,
      photoUrl: null,
      calories: null,
      proteinG: null,
      carbsG: null,
      fatG: null,
      tags: [],
    });
    expect(status).toBe(200);
    expect(body.log).toMatchObject({
      title: "Kimbap",
      note: null,
      photoUrl: null,
      calories: null,
      proteinG: null,
      carbsG: null,
      fatG: null,
      tags: [],
    });
  });

  it("keeps eatenAt, localDate and createdAt when other fields change", async () => {
    const account = await newUser();
    const { log } = await logMeal(account.accessToken, { ...full, eatenAt: "2026-11-20T23:30:00+09:00" });
    const { body } = await patchLog(account.accessToken, log.id, { title: "Late kimbap", tags: ["late"] });
    expect(body.log).toMatchObject({
      eatenAt: log.eatenAt,
      localDate: "2026-11-20",
      createdAt: log.createdAt,
      title: "Late kimbap",
      tags: ["late"],
    });
  });

  it("moves the log to another day when eatenAt changes", async () => {
    const account = await newUser({ timezone: "Asia/Seoul" });
    const { log } = await logMeal(account.accessToken, { eatenAt: "2026-11-20T23:30:00+09:00" });
    expect(log.localDate).toBe("2026-11-20");
    const { body } = await patchLog(account.accessToken, log.id, { eatenAt: "2026-11-21T00:30:00+09:00" });
    expect(body.log.eatenAt).toBe("2026-11-20T15:30:00.000Z");
    expect(body.log.localDate).toBe("2026-11-21");
    expect(await listedIds(account.accessToken, { from: "2026-11-21", to: "2026-11-21" })).toEqual([log.id]);
    expect(await listedIds(account.accessToken, { from: "2026-11-20", to: "2026-11-20" })).toEqual([]);
  });
});

describe("PATCH /v1/logs/:id: errors", () => {
  it("answers 404 for an id that does not exist, the same for a malformed one", async () => {
    const account = await newUser();
    await logMeal(account.accessToken);
    const missing = await expectProblem(
      (await patchLog(account.accessToken, unknownId(), { calories: 1 })).response,
      404,
    );
    expect(missing.code).toBe("NOT_FOUND");
    const malformed = await expectProblem(
      (await patchLog(account.accessToken, "not-a-uuid", { calories: 1 })).response,
      404,
    );
    expect(problemIdentity(malformed)).toEqual(problemIdentity(missing));
  });

  it("answers 404 for a deleted log", async () => {
    const account = await newUser();
    const { log } = await logMeal(account.accessToken);
    expect((await deleteLog(account.accessToken, log.id)).status).toBe(204);
    const { response } = await patchLog(account.accessToken, log.id, { calories: 1 });
    expect((await expectProblem(response, 404)).code).toBe("NOT_FOUND");
    expect(await listedIds(account.accessToken)).toEqual([]);
  });
});

describe("DELETE /v1/logs/:id: happy path", () => {
  it("answers 204 with no body; the log is gone (GET 404, not listed)", async () => {
    const account = await newUser();
    const { log } = await logMeal(account.accessToken);
    const { status, body } = await deleteLog(account.accessToken, log.id);
    expect(status).toBe(204);
    expect(body).toBeUndefined(); // no body at all (callJson: empty text → undefined)
    const { response } = await getLog(account.accessToken, log.id);
    expect((await expectProblem(response, 404)).code).toBe("NOT_FOUND");
    expect(await listedIds(account.accessToken)).toEqual([]);
  });

  it("deletes only that log", async () => {
    const account = await newUser();
    const keep = await logMeal(account.accessToken, { title: "Keep" });
    const drop = await logMeal(account.accessToken, { title: "Drop" });
    expect((await deleteLog(account.accessToken, drop.log.id)).status).toBe(204);
    expect(await listedIds(account.accessToken)).toEqual([keep.log.id]);
    expect((await getLog(account.accessToken, keep.log.id)).body).toEqual(keep.log);
  });
});

describe("DELETE /v1/logs/:id: errors", () => {
  it("answers 404 the second time", async () => {
    const account = await newUser();
    const { log } = await logMeal(account.accessToken);
    expect((await deleteLog(account.accessToken, log.id)).status).toBe(204);
    const { response } = await deleteLog(account.accessToken, log.id);
    expect((await expectProblem(response, 404)).code).toBe("NOT_FOUND");
  });

  it("answers 404 for an id that does not exist, the same for a malformed one, and deletes nothing", async () => {
    const account = await newUser();
    const { log } = await logMeal(account.accessToken);
    const missing = await expectProblem((await deleteLog(account.accessToken, unknownId())).response, 404);
    const malformed = await expectProblem((await deleteLog(account.accessToken, "nope")).response, 404);
    expect(problemIdentity(malformed)).toEqual(problemIdentity(missing));
    expect(await listedIds(account.accessToken)).toEqual([log.id]);
  });
});
