import { beforeEach, describe, expect, it } from "vitest";
import { createChallenge, join, logToday, newPlayer, OFFICIAL } from "../helpers/challenges";
import { onDay } from "../helpers/dates";
import { unknownId } from "../helpers/db";
import { callJson, expectProblem } from "../helpers/http";
import { awayFromMidnight } from "../helpers/wait";

describe("public profile GET /v1/users/:id", () => {
  beforeEach(() => awayFromMidnight());

  it("shows display name, badges and streaks, never the email", async () => {
    const a = await newPlayer({ displayName: "Alice Public" });
    const viewer = await newPlayer();
    for (const day of [-4, -2, -1, 0]) await logToday(a.accessToken, { eatenAt: onDay(day) });

    for (const token of [undefined, viewer.accessToken, a.accessToken]) {
      const { status, body } = await callJson(`/v1/users/${a.user.id}`, { token });
      expect(status).toBe(200);
      expect(Object.keys(body).sort()).toEqual(["badges", "displayName", "id", "stats"]);
      expect(body.id).toBe(a.user.id);
      expect(body.displayName).toBe("Alice Public");
      expect(body.stats).toEqual({ currentStreak: 3, longestStreak: 3 });
      expect(body.badges.map((badge: { code: string }) => badge.code)).toEqual(["first_log", "streak_3"]);
      for (const badge of body.badges) {
        expect(badge).toEqual({
          code: badge.code,
          name: expect.any(String),
          description: expect.any(String),
          icon: expect.any(String),
          earnedAt: expect.any(String),
        });
      }
      const text = JSON.stringify(body);
      expect(text).not.toContain(a.email);
      expect(text).not.toContain("email");
      expect(text).not.toContain("timezone");
    }
  });

  it("a fresh user has no badges and no streak; unknown ids are 404", async () => {
    const u = await newPlayer({ displayName: "Nobody Yet" });
    const { body } = await callJson(`/v1/users/${u.user.id}`);
    expect(body).toEqual({
      id: u.user.id,
      displayName: "Nobody Yet",
      badges: [],
      stats: { currentStreak: 0, longestStreak: 0 },
    });
    await expectProblem((await callJson(`/v1/users/${unknownId()}`)).response, 404);
    await expectProblem((await callJson("/v1/users/not-a-uuid")).response, 404);
  });
});

describe("export GET /v1/users/me/export", () => {
  it("holds the caller's logs, challenges joined and created, and badges: nobody else's", async () => {
    const a = await newPlayer();
    const b = await newPlayer();
    const aLog = await logToday(a.accessToken, { eatenAt: onDay(-1), title: "A's lunch" });
    const bLog = await logToday(b.accessToken, { eatenAt: onDay(-1), title: "B's lunch" });
    const aChallenge = await createChallenge(a.accessToken, { rule: { type: "meal_count", target: 1 } });
    const bChallenge = await createChallenge(b.accessToken);
    const bOnly = await createChallenge(b.accessToken);
    await join(a.accessToken, aChallenge.id); // completes at once (a's log counts)
    await join(a.accessToken, bChallenge.id);
    await join(b.accessToken, bOnly.id);
    await join(b.accessToken, OFFICIAL.lightDays);

    const { status, body } = await callJson("/v1/users/me/export", { token: a.accessToken });
    expect(status).toBe(200);
    expect(body.profile).toMatchObject({ id: a.user.id, email: a.email });
    expect(body.logs.map((log: { id: string }) => log.id)).toEqual([aLog.log.id]);
    expect(body.logs[0]).toEqual(aLog.log);
    expect(body.challengesJoined).toEqual([
      {
        challengeId: aChallenge.id,
        title: aChallenge.title,
        joinedAt: expect.any(String),
        windowStart: expect.any(String),
        windowEnd: expect.any(String),
        current: 1,
        completedAt: expect.any(String),
        finalRank: null,
      },
      expect.objectContaining({ challengeId: bChallenge.id, current: 1, completedAt: null, finalRank: null }),
    ]);
    expect(body.challengesCreated).toEqual([
      { id: aChallenge.id, title: aChallenge.title, createdAt: expect.any(String) },
    ]);
    expect(body.badges.map((badge: { code: string }) => badge.code).sort()).toEqual([
      "first_challenge",
      "first_log",
    ]);
    for (const badge of body.badges) expect(Object.keys(badge).sort()).toEqual(["code", "earnedAt"]);

    const text = JSON.stringify(body);
    for (const foreign of [b.user.id, b.email, bLog.log.id, bOnly.id, OFFICIAL.lightDays, "B's lunch"]) {
      expect(text).not.toContain(foreign);
    }
    // b's own export has b's things only.
    const other = (await callJson("/v1/users/me/export", { token: b.accessToken })).body;
    expect(other.logs.map((log: { id: string }) => log.id)).toEqual([bLog.log.id]);
    expect(other.challengesCreated.map((c: { id: string }) => c.id).sort()).toEqual(
      [bChallenge.id, bOnly.id].sort(),
    );
    expect(other.challengesJoined.map((c: { challengeId: string }) => c.challengeId).sort()).toEqual(
      [bOnly.id, OFFICIAL.lightDays].sort(),
    );
    expect(other.badges.map((badge: { code: string }) => badge.code)).toEqual(["first_log"]);
    expect(JSON.stringify(other)).not.toContain(a.email);
  });
});
