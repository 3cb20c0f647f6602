import { describe, expect, it } from "vitest";
import {
  boardExists,
  challengeBody,
  createChallenge,
  getChallenge,
  join,
  joinRaw,
  leaderboardOf,
  leaderboardRaw,
  logToday,
  newPlayer,
  OFFICIAL,
  postChallenge,
  progressOf,
  progressRaw,
} from "../helpers/challenges";
import { DAYS, fromNow, onDay, utcDay } from "../helpers/dates";
import { unknownId } from "../helpers/db";
import { callJson, expectProblem } from "../helpers/http";
import { awayFromMidnight, eventually } from "../helpers/wait";

const patchChallenge = (token: string, id: string, body: unknown) =>
  callJson(`/v1/challenges/${id}`, { method: "PATCH", token, body });
const deleteChallenge = (token: string, id: string) =>
  callJson(`/v1/challenges/${id}`, { method: "DELETE", token });

/** An upcoming window: starts in 2 days, ends in 9. */
const upcoming = () => ({ startsAt: fromNow(2 * DAYS), endsAt: fromNow(9 * DAYS) });

async function expectInvalid(response: Response, path?: string) {
  const problem = await expectProblem(response, 400);
  expect(problem.code).toBe("INVALID_INPUT");
  expect(problem.errors?.length).toBeGreaterThan(0);
  if (path !== undefined) expect(problem.errors!.map((error) => error.path).join(" ")).toContain(path);
  return problem;
}

describe("creating a challenge", () => {
  it("returns the user challenge: not official, no badge, the caller as creator, nobody joined", async () => {
    const u = await newPlayer();
    const body = challengeBody({ rule: { type: "calorie_cap_days", target: 4, maxCalories: 1500 } });
    const { status, body: created } = await postChallenge(u.accessToken, body);
    expect(status).toBe(201);
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      title: body.title,
      description: body.description,
      rule: { type: "calorie_cap_days", target: 4, maxCalories: 1500 },
      startsAt: new Date(body.startsAt as string).toISOString(),
      endsAt: new Date(body.endsAt as string).toISOString(),
      durationDays: null,
      official: false,
      createdBy: u.user.id,
      participants: 0,
      badge: null,
      joined: false,
      progress: null,
    });
    const { body: fetched } = await getChallenge(u.accessToken, created.id);
    expect(fetched).toEqual(created);
  });

  it("accepts offsets and answers UTC; a start in the past is accepted", async () => {
    const u = await newPlayer();
    const created = await createChallenge(u.accessToken, {
      startsAt: "2026-01-05T09:00:00+09:00",
      endsAt: null,
    });
    expect(created.startsAt).toBe("2026-01-05T00:00:00.000Z");
    expect(created.endsAt).toBeNull();
  });

  it("rejects each rule shape that does not fit its type", async () => {
    const u = await newPlayer();
    const bad: [unknown, string][] = [
      [{ type: "tag_count", target: 3 }, "rule"],
      [{ type: "tag_count", target: 3, tag: "Not A Slug" }, "rule"],
      [{ type: "calorie_cap_days", target: 3 }, "rule"],
      [{ type: "calorie_cap_days", target: 3, maxCalories: -1 }, "rule"],
      [{ type: "meal_count", target: 3, mealType: "brunch" }, "rule"],
      [{ type: "log_days", target: 3, tag: "vegetable" }, "rule"], // no extra members
      [{ type: "streak_days" }, "rule"],
      [{ type: "marathon", target: 3 }, "rule"], // unknown type
      [{ target: 3 }, "rule"],
      [{ type: "log_days", target: 0 }, "rule"],
      [{ type: "log_days", target: -1 }, "rule"],
      [{ type: "log_days", target: 1.5 }, "rule"],
      [{ type: "log_days", target: "3" }, "rule"],
      ["log_days", "rule"],
    ];
    for (const [rule, path] of bad) {
      const { response } = await postChallenge(u.accessToken, challengeBody({ rule }));
      await expectInvalid(response, path);
    }
  });

  it("rejects a window that does not run forward, and other invalid fields", async () => {
    const u = await newPlayer();
    const startsAt = fromNow(DAYS);
    await expectInvalid(
      (await postChallenge(u.accessToken, challengeBody({ startsAt, endsAt: startsAt }))).response,
      "endsAt",
    );
    await expectInvalid(
      (await postChallenge(u.accessToken, challengeBody({ startsAt, endsAt: fromNow(-DAYS) }))).response,
      "endsAt",
    );
    const invalid: Record<string, unknown>[] = [
      { startsAt: "2026-12-01T00:00:00" }, // no offset
      { startsAt: "tomorrow" },
      { durationDays: 0 },
      { durationDays: 367 },
      { title: "" },
      { title: "x".repeat(121) },
      { nonsense: true }, // unknown field
      { official: true }, // not the caller's to set
    ];
    for (const overrides of invalid) {
      const { response } = await postChallenge(u.accessToken, challengeBody(overrides));
      await expectInvalid(response);
    }
    const { title: _title, ...untitled } = challengeBody();
    await expectInvalid((await postChallenge(u.accessToken, untitled)).response, "title");
  });

  it("requires authentication", async () => {
    const { response } = await callJson("/v1/challenges", { method: "POST", body: challengeBody() });
    await expectProblem(response, 401);
    await expectProblem((await callJson("/v1/challenges")).response, 401);
  });
});

describe("the creator may change or delete a challenge until it starts", () => {
  it("PATCH before the start: 200 with the change", async () => {
    const u = await newPlayer();
    const created = await createChallenge(u.accessToken, upcoming());
    const newEnd = fromNow(20 * DAYS);
    const { status, body } = await patchChallenge(u.accessToken, created.id, {
      title: "Renamed",
      rule: { type: "tag_count", target: 4, tag: "fruit" },
      endsAt: newEnd,
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: created.id,
      title: "Renamed",
      rule: { type: "tag_count", target: 4, tag: "fruit" },
      endsAt: new Date(newEnd).toISOString(),
      startsAt: created.startsAt,
      description: created.description,
    });
    expect((await getChallenge(u.accessToken, created.id)).body).toEqual(body);
  });

  it("PATCH validation: window, rule, unknown fields, empty patch", async () => {
    const u = await newPlayer();
    const created = await createChallenge(u.accessToken, upcoming());
    await expectInvalid(
      (await patchChallenge(u.accessToken, created.id, { endsAt: created.startsAt })).response,
      "endsAt",
    );
    await expectInvalid(
      (await patchChallenge(u.accessToken, created.id, { endsAt: fromNow(DAYS) })).response,
      "endsAt",
    );
    await expectInvalid(
      (await patchChallenge(u.accessToken, created.id, { startsAt: fromNow(10 * DAYS) })).response,
    );
    await expectInvalid(
      (await patchChallenge(u.accessToken, created.id, { rule: { type: "nope", target: 1 } })).response,
    );
    await expectInvalid(
      (await patchChallenge(u.accessToken, created.id, { rule: { type: "log_days", target: 0 } })).response,
    );
    await expectInvalid(
      (await patchChallenge(u.accessToken, created.id, { createdBy: unknownId() })).response,
    );
    await expectInvalid((await patchChallenge(u.accessToken, created.id, {})).response);
    // Nothing changed.
    expect((await getChallenge(u.accessToken, created.id)).body).toEqual(created);
  });

  it("DELETE before the start: 204, then it is gone (404)", async () => {
    const u = await newPlayer();
    const created = await createChallenge(u.accessToken, upcoming());
    await join(u.accessToken, created.id);
    const deleted = await deleteChallenge(u.accessToken, created.id);
    expect(deleted.status).toBe(204);
    await expectProblem((await getChallenge(u.accessToken, created.id)).response, 404);
    await expectProblem((await deleteChallenge(u.accessToken, created.id)).response, 404);
    await expectProblem((await patchChallenge(u.accessToken, created.id, { title: "Back?" })).response, 404);
    const exported = await callJson("/v1/users/me/export", { token: u.accessToken });
    expect(exported.body.challengesCreated).toEqual([]);
    expect(exported.body.challengesJoined).toEqual([]);
  });

  it("a deleted challenge's leaderboard is gone too (404), even once it was served from Redis", async () => {
    const u = await newPlayer();
    const created = await createChallenge(u.accessToken, upcoming());
    await join(u.accessToken, created.id);
    expect((await leaderboardOf(u.accessToken, created.id)).me).toMatchObject({ rank: 1 });
    await eventually(async () => expect(await boardExists(created.id)).toBe(true));
    expect((await deleteChallenge(u.accessToken, created.id)).status).toBe(204);
    await eventually(async () =>
      expectProblem((await leaderboardRaw(u.accessToken, created.id)).response, 404),
    );
    await expectProblem((await progressRaw(u.accessToken, created.id)).response, 404);
    await expectProblem((await joinRaw(u.accessToken, created.id)).response, 404);
  });

  // A fixed bug, kept as a regression test (src/services/challenges.ts updateChallenge): a
  // participant's window (window_start / window_end in challenge_participants) is computed once, at
  // join, from startsAt/endsAt; a creator's PATCH of the window before the start does not move the
  // windows of those who already joined, so a joined player's logs on the new first day never count
  // (and would keep counting on days the challenge no longer has).
  it("a creator's change of the window before the start applies to those already joined", async () => {
    await awayFromMidnight();
    const owner = await newPlayer();
    const player = await newPlayer();
    const created = await createChallenge(owner.accessToken, {
      rule: { type: "log_days", target: 3 },
      startsAt: `${utcDay(2)}T00:00:00Z`,
      endsAt: `${utcDay(9)}T00:00:00Z`,
    });
    await join(player.accessToken, created.id);
    const { status } = await patchChallenge(owner.accessToken, created.id, {
      startsAt: `${utcDay(1)}T00:00:00Z`,
    });
    expect(status).toBe(200);
    await logToday(player.accessToken, { eatenAt: onDay(1, "00:00:05") }); // the new first day
    expect(await progressOf(player.accessToken, created.id)).toMatchObject({ current: 1 });
  });

  it("after the start: PATCH and DELETE are 409, and nothing changes", async () => {
    const u = await newPlayer();
    const started = await createChallenge(u.accessToken); // started 10 days ago
    const patch = await patchChallenge(u.accessToken, started.id, { title: "Too late" });
    expect((await expectProblem(patch.response, 409)).code).toBe("CONFLICT");
    await expectProblem((await deleteChallenge(u.accessToken, started.id)).response, 409);
    // Moving the start into the future does not reopen it either.
    await expectProblem(
      (await patchChallenge(u.accessToken, started.id, { startsAt: fromNow(DAYS) })).response,
      409,
    );
    expect((await getChallenge(u.accessToken, started.id)).body).toEqual(started);
  });

  it("another user: 403 for PATCH and DELETE, before or after the start", async () => {
    const owner = await newPlayer();
    const other = await newPlayer();
    for (const window of [upcoming(), {}]) {
      const created = await createChallenge(owner.accessToken, window);
      const patch = await patchChallenge(other.accessToken, created.id, { title: "Mine now" });
      expect((await expectProblem(patch.response, 403)).code).toBe("FORBIDDEN");
      await expectProblem((await deleteChallenge(other.accessToken, created.id)).response, 403);
      expect((await getChallenge(owner.accessToken, created.id)).body).toEqual(created);
    }
  });

  it("official challenges: 403 for PATCH and DELETE", async () => {
    const u = await newPlayer();
    await expectProblem(
      (await patchChallenge(u.accessToken, OFFICIAL.weekStreak, { title: "Mine" })).response,
      403,
    );
    await expectProblem((await deleteChallenge(u.accessToken, OFFICIAL.weekStreak)).response, 403);
    const { body } = await getChallenge(u.accessToken, OFFICIAL.weekStreak);
    expect(body).toMatchObject({
      title: "A 7-day streak",
      official: true,
      createdBy: null,
      durationDays: 14,
      rule: { type: "streak_days", target: 7 },
      badge: { code: "challenge_week_streak" },
    });
  });

  it("unknown challenge: 404 for PATCH and DELETE", async () => {
    const u = await newPlayer();
    await expectProblem((await patchChallenge(u.accessToken, unknownId(), { title: "x" })).response, 404);
    await expectProblem((await deleteChallenge(u.accessToken, unknownId())).response, 404);
    await expectProblem((await deleteChallenge(u.accessToken, "not-a-uuid")).response, 404);
  });
});
