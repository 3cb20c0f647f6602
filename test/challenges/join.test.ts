import { beforeEach, describe, expect, it } from "vitest";
import {
  createChallenge,
  getChallenge,
  join,
  joinRaw,
  leave,
  logToday,
  newPlayer,
  progressRaw,
} from "../helpers/challenges";
import { DAYS, fromNow, onDay } from "../helpers/dates";
import { unknownId } from "../helpers/db";
import { callJson, expectProblem } from "../helpers/http";
import { awayFromMidnight } from "../helpers/wait";

describe("join and leave", () => {
  beforeEach(() => awayFromMidnight());

  it("10 parallel joins make exactly one 201, the rest 409, and one participant", async () => {
    const u = await newPlayer();
    const challenge = await createChallenge(u.accessToken);
    const results = await Promise.all(Array.from({ length: 10 }, () => joinRaw(u.accessToken, challenge.id)));
    const statuses = results.map((result) => result.status).sort();
    expect(statuses).toEqual([201, ...Array(9).fill(409)]);
    for (const result of results.filter((r) => r.status === 409)) {
      const problem = await expectProblem(result.response, 409);
      expect(problem.code).toBe("CONFLICT");
    }
    const { status, body } = await getChallenge(u.accessToken, challenge.id);
    expect(status).toBe(200);
    expect(body.participants).toBe(1);
    expect(body.joined).toBe(true);
  });

  it("joining twice in a row: 201 then 409 (already joined)", async () => {
    const u = await newPlayer();
    const challenge = await createChallenge(u.accessToken);
    const first = await joinRaw(u.accessToken, challenge.id);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ progress: { current: 0, target: 3, completed: false, completedAt: null } });
    const second = await joinRaw(u.accessToken, challenge.id);
    await expectProblem(second.response, 409);
  });

  it("joining an ended challenge is 409 and makes no participant", async () => {
    const u = await newPlayer();
    const ended = await createChallenge(u.accessToken, {
      startsAt: fromNow(-10 * DAYS),
      endsAt: fromNow(-3600_000),
    });
    const result = await joinRaw(u.accessToken, ended.id);
    const problem = await expectProblem(result.response, 409);
    expect(problem.code).toBe("CONFLICT");
    const { body } = await getChallenge(u.accessToken, ended.id);
    expect(body).toMatchObject({ participants: 0, joined: false, progress: null });
    await expectProblem((await progressRaw(u.accessToken, ended.id)).response, 404);
  });

  it("joining an unknown challenge is 404 (well-formed id or not)", async () => {
    const u = await newPlayer();
    await expectProblem((await joinRaw(u.accessToken, unknownId())).response, 404);
    await expectProblem((await joinRaw(u.accessToken, "not-an-id")).response, 404);
    await expectProblem(
      (await callJson(`/v1/challenges/${unknownId()}`, { token: u.accessToken })).response,
      404,
    );
  });

  it("joining requires authentication", async () => {
    const u = await newPlayer();
    const challenge = await createChallenge(u.accessToken);
    await expectProblem(
      (await callJson(`/v1/challenges/${challenge.id}/join`, { method: "POST" })).response,
      401,
    );
    await expectProblem((await callJson(`/v1/challenges/${challenge.id}/progress`)).response, 401);
    await expectProblem((await callJson(`/v1/challenges/${challenge.id}/leaderboard`)).response, 401);
  });

  it("leave: 204, then 404; progress when not joined is 404; rejoining recomputes progress", async () => {
    const u = await newPlayer();
    const challenge = await createChallenge(u.accessToken);
    // Never joined: progress 404, leave 404.
    await expectProblem((await progressRaw(u.accessToken, challenge.id)).response, 404);
    await expectProblem((await leave(u.accessToken, challenge.id)).response, 404);

    await join(u.accessToken, challenge.id);
    await logToday(u.accessToken, { eatenAt: onDay(-1) });
    const left = await leave(u.accessToken, challenge.id);
    expect(left.status).toBe(204);
    expect(left.body).toBeUndefined(); // no body at all (callJson: empty text → undefined)
    await expectProblem((await leave(u.accessToken, challenge.id)).response, 404);
    await expectProblem((await progressRaw(u.accessToken, challenge.id)).response, 404);
    const { body } = await getChallenge(u.accessToken, challenge.id);
    expect(body).toMatchObject({ participants: 0, joined: false, progress: null });

    // Rejoining a fixed window counts the logs already in it.
    expect(await join(u.accessToken, challenge.id)).toMatchObject({ current: 1, completed: false });
  });

  it("leave of an unknown challenge is 404", async () => {
    const u = await newPlayer();
    await expectProblem((await leave(u.accessToken, unknownId())).response, 404);
    await expectProblem((await progressRaw(u.accessToken, unknownId())).response, 404);
  });

  it("badges earned stay after leaving", async () => {
    const u = await newPlayer();
    const challenge = await createChallenge(u.accessToken, { rule: { type: "meal_count", target: 1 } });
    await join(u.accessToken, challenge.id);
    await logToday(u.accessToken);
    expect((await leave(u.accessToken, challenge.id)).status).toBe(204);
    const { body } = await callJson("/v1/users/me/badges", { token: u.accessToken });
    expect(body.items.map((badge: { code: string }) => badge.code)).toEqual(["first_log", "first_challenge"]);
  });
});
