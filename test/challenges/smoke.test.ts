import { describe, expect, it } from "vitest";
import { callJson } from "../helpers/http";
import { signUp } from "../helpers/users";

const VEGGIE = "01936f00-0000-7000-8000-000000000002";

describe("challenges smoke", () => {
  it("joins, progresses, completes, ranks", async () => {
    const a = await signUp({ displayName: "A" });
    const list = await callJson("/v1/challenges?status=active", { token: a.accessToken });
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThanOrEqual(4);
    const join = await callJson(`/v1/challenges/${VEGGIE}/join`, { method: "POST", token: a.accessToken });
    expect(join.status).toBe(201);
    expect(join.body.progress).toEqual({ current: 0, target: 5, completed: false, completedAt: null });
    const again = await callJson(`/v1/challenges/${VEGGIE}/join`, { method: "POST", token: a.accessToken });
    expect(again.status).toBe(409);
    let last: any;
    for (let i = 0; i < 5; i++) {
      last = await callJson("/v1/logs", {
        token: a.accessToken,
        body: {
          mealType: "lunch",
          // After the join, so inside the window that starts on the join day, whatever the hour.
          eatenAt: new Date().toISOString(),
          title: `Salad ${i}`,
          tags: ["vegetable"],
        },
      });
      expect(last.status).toBe(201);
    }
    expect(last.body.events).toContainEqual(
      expect.objectContaining({ type: "challenge_completed", challengeId: VEGGIE }),
    );
    expect(last.body.events).toContainEqual(
      expect.objectContaining({
        type: "badge_awarded",
        badge: expect.objectContaining({ code: "challenge_veggie_five" }),
      }),
    );
    const progress = await callJson(`/v1/challenges/${VEGGIE}/progress`, { token: a.accessToken });
    expect(progress.body).toMatchObject({ current: 5, target: 5, completed: true });
    const board = await callJson(`/v1/challenges/${VEGGIE}/leaderboard?limit=3`, { token: a.accessToken });
    expect(board.status).toBe(200);
    expect(board.body.me).toMatchObject({ current: 5 });
    const stats = await callJson("/v1/users/me/stats", { token: a.accessToken });
    expect(stats.body).toMatchObject({ totalLogs: 5, daysLogged: expect.any(Number), badgesEarned: 3 });
    const badges = await callJson("/v1/badges", { token: a.accessToken });
    expect(badges.body.items.find((b: any) => b.code === "first_log").earned).toBe(true);
    const profile = await callJson(`/v1/users/${a.user.id}`);
    expect(profile.status).toBe(200);
    expect(JSON.stringify(profile.body)).not.toContain(a.email);
    const exported = await callJson("/v1/users/me/export", { token: a.accessToken });
    expect(exported.body.logs).toHaveLength(5);
    expect(exported.body.challengesJoined).toHaveLength(1);
  });
});
