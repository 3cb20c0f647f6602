import { beforeEach, describe, expect, it } from "vitest";
import {
  boardExists,
  boardOrder,
  createChallenge,
  deleteBoard,
  getChallenge,
  join,
  leaderboardOf,
  leave,
  listedIn,
  logToday,
  newPlayer,
  OFFICIAL,
  progressRaw,
} from "../helpers/challenges";
import { onDay } from "../helpers/dates";
import { unknownId } from "../helpers/db";
import { callJson, expectProblem } from "../helpers/http";
import { awayFromMidnight, eventually } from "../helpers/wait";

describe("another user's challenge data never leaks", () => {
  beforeEach(() => awayFromMidnight());

  it("B cannot see A's progress: 404 exactly like a challenge that does not exist", async () => {
    const a = await newPlayer({ displayName: "Alice" });
    const b = await newPlayer({ displayName: "Bob" });
    const challenge = await createChallenge(a.accessToken);
    await join(a.accessToken, challenge.id);
    await logToday(a.accessToken, { eatenAt: onDay(-1) });

    const notJoined = await expectProblem((await progressRaw(b.accessToken, challenge.id)).response, 404);
    const missing = await expectProblem((await progressRaw(b.accessToken, unknownId())).response, 404);
    const pick = (problem: Record<string, unknown>) => [
      problem.type,
      problem.title,
      problem.status,
      problem.detail,
      problem.code,
    ];
    expect(pick(notJoined)).toEqual(pick(missing));
    // Same for an official challenge A joined and B did not.
    await join(a.accessToken, OFFICIAL.weekStreak);
    await expectProblem((await progressRaw(b.accessToken, OFFICIAL.weekStreak)).response, 404);
    // B cannot leave in A's stead.
    await expectProblem((await leave(b.accessToken, challenge.id)).response, 404);
    expect((await getChallenge(a.accessToken, challenge.id)).body.participants).toBe(1);
  });

  it("B's view of A's challenge: joined false, progress null, A counted among the participants", async () => {
    const a = await newPlayer();
    const b = await newPlayer();
    const challenge = await createChallenge(a.accessToken);
    await join(a.accessToken, challenge.id);
    await logToday(a.accessToken, { eatenAt: onDay(-1) });

    const forA = (await getChallenge(a.accessToken, challenge.id)).body;
    expect(forA).toMatchObject({ joined: true, progress: { current: 1, target: 3 }, participants: 1 });
    const forB = (await getChallenge(b.accessToken, challenge.id)).body;
    expect(forB).toEqual({ ...forA, joined: false, progress: null });

    // B joining changes B's view only.
    await join(b.accessToken, challenge.id);
    expect((await getChallenge(b.accessToken, challenge.id)).body).toMatchObject({
      joined: true,
      participants: 2,
      progress: { current: 0 },
    });
    expect((await getChallenge(a.accessToken, challenge.id)).body.progress).toMatchObject({ current: 1 });
    // And B's logs never count for A.
    await logToday(b.accessToken, { eatenAt: onDay(-2) });
    expect((await getChallenge(a.accessToken, challenge.id)).body.progress).toMatchObject({ current: 1 });
  });

  it("B cannot change or delete A's challenge (403)", async () => {
    const a = await newPlayer();
    const b = await newPlayer();
    const challenge = await createChallenge(a.accessToken, {
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const patch = await callJson(`/v1/challenges/${challenge.id}`, {
      method: "PATCH",
      token: b.accessToken,
      body: { title: "B's" },
    });
    await expectProblem(patch.response, 403);
    await expectProblem(
      (await callJson(`/v1/challenges/${challenge.id}`, { method: "DELETE", token: b.accessToken })).response,
      403,
    );
    expect((await getChallenge(a.accessToken, challenge.id)).body.title).toBe(challenge.title);
  });

  it("leaderboard entries carry only id, displayName, current, completedAt: never an email", async () => {
    const a = await newPlayer({ displayName: "Alice" });
    const b = await newPlayer({ displayName: "Bob" });
    const challenge = await createChallenge(a.accessToken);
    await join(a.accessToken, challenge.id);
    await join(b.accessToken, challenge.id);
    await logToday(b.accessToken, { eatenAt: onDay(-1) });
    for (const viewer of [a, b]) {
      const board = await leaderboardOf(viewer.accessToken, challenge.id);
      expect(board.items).toEqual([
        { rank: 1, user: { id: b.user.id, displayName: "Bob" }, current: 1, completedAt: null },
        { rank: 2, user: { id: a.user.id, displayName: "Alice" }, current: 0, completedAt: null },
      ]);
      const text = JSON.stringify(board);
      expect(text).not.toContain(a.email);
      expect(text).not.toContain(b.email);
      expect(text).not.toContain("email");
    }
  });

  it("a deleted account leaves every leaderboard", async () => {
    const a = await newPlayer({ displayName: "Stays" });
    const b = await newPlayer({ displayName: "Leaves" });
    const challenge = await createChallenge(a.accessToken);
    await join(a.accessToken, challenge.id);
    await join(b.accessToken, challenge.id);
    await logToday(b.accessToken, { eatenAt: onDay(-1) });
    expect(boardOrder(await leaderboardOf(a.accessToken, challenge.id))).toEqual([b.user.id, a.user.id]);
    await eventually(async () => expect(await boardExists(challenge.id)).toBe(true));
    const gone = await callJson("/v1/users/me", {
      method: "DELETE",
      token: b.accessToken,
      body: { password: b.password },
    });
    expect(gone.status).toBe(204);
    await eventually(async () => {
      const board = await leaderboardOf(a.accessToken, challenge.id);
      expect(board.items).toEqual([
        { rank: 1, user: { id: a.user.id, displayName: "Stays" }, current: 0, completedAt: null },
      ]);
      expect(board.me).toEqual({ rank: 1, current: 0, completedAt: null });
    });
    expect((await getChallenge(a.accessToken, challenge.id)).body.participants).toBe(1);
    await deleteBoard(challenge.id);
    expect(boardOrder(await leaderboardOf(a.accessToken, challenge.id))).toEqual([a.user.id]);
    await expectProblem((await callJson(`/v1/users/${b.user.id}`)).response, 404);
  });

  it("the list shows B's own joined/progress for each challenge, never A's", async () => {
    const a = await newPlayer();
    const b = await newPlayer();
    const challenge = await createChallenge(a.accessToken, {
      startsAt: "2098-01-01T00:00:00Z",
      endsAt: null,
    });
    await join(a.accessToken, challenge.id);
    const seenByB = await listedIn(b.accessToken, { status: "upcoming" }, challenge);
    expect(seenByB).toEqual([{ ...challenge, participants: 1, joined: false, progress: null }]);
    const seenByA = await listedIn(a.accessToken, { status: "upcoming" }, challenge);
    expect(seenByA).toEqual([
      {
        ...challenge,
        participants: 1,
        joined: true,
        progress: { current: 0, target: 3, completed: false, completedAt: null },
      },
    ]);
    const joinedByB = await callJson("/v1/challenges?joined=true", { token: b.accessToken });
    expect(joinedByB.body.items).toEqual([]);
  });
});
