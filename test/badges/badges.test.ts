import { beforeEach, describe, expect, it } from "vitest";
import { BADGE_CODES, badgeEvents, createChallenge, join, logToday, newPlayer } from "../helpers/challenges";
import { onDay } from "../helpers/dates";
import { callJson, expectProblem } from "../helpers/http";
import { postLog } from "../helpers/logs";
import { awayFromMidnight } from "../helpers/wait";

type CatalogItem = {
  code: string;
  name: string;
  description: string;
  icon: string;
  earned: boolean;
  earnedAt: string | null;
};

const catalog = async (token?: string) => {
  const { status, body } = await callJson<{ items: CatalogItem[] }>("/v1/badges", { token });
  expect(status).toBe(200);
  return body.items;
};

const myBadges = async (token: string) => {
  const { status, body } = await callJson<{ items: { code: string; earnedAt: string }[] }>(
    "/v1/users/me/badges",
    {
      token,
    },
  );
  expect(status).toBe(200);
  return body.items;
};

describe("GET /v1/badges", () => {
  it("anonymous: every seeded badge, none earned", async () => {
    const items = await catalog();
    expect(items.map((badge) => badge.code)).toEqual([...BADGE_CODES]);
    for (const badge of items) {
      expect(badge).toEqual({
        code: badge.code,
        name: expect.any(String),
        description: expect.any(String),
        icon: expect.any(String),
        earned: false,
        earnedAt: null,
      });
      expect(badge.name.length).toBeGreaterThan(0);
    }
  });

  it("signed in: the caller's earned flags, and only the caller's", async () => {
    const a = await newPlayer();
    const b = await newPlayer();
    expect((await catalog(a.accessToken)).filter((badge) => badge.earned)).toEqual([]);
    await logToday(a.accessToken);

    const forA = await catalog(a.accessToken);
    expect(forA.map((badge) => badge.code)).toEqual([...BADGE_CODES]);
    const earned = forA.filter((badge) => badge.earned);
    expect(earned.map((badge) => badge.code)).toEqual(["first_log"]);
    expect(Date.parse(earned[0]!.earnedAt!)).not.toBeNaN();
    for (const badge of forA.filter((item) => !item.earned)) expect(badge.earnedAt).toBeNull();

    expect((await catalog(b.accessToken)).filter((badge) => badge.earned)).toEqual([]);
    expect((await catalog()).filter((badge) => badge.earned)).toEqual([]);
  });

  it("a token that is sent must be valid: an invalid or ended session is 401", async () => {
    const u = await newPlayer();
    await expectProblem((await callJson("/v1/badges", { token: "not-a-token" })).response, 401);
    expect((await callJson("/v1/auth/logout", { method: "POST", token: u.accessToken })).status).toBe(204);
    await expectProblem((await callJson("/v1/badges", { token: u.accessToken })).response, 401);
  });
});

describe("GET /v1/users/me/badges", () => {
  it("lists only the caller's badges, with when they were earned", async () => {
    const a = await newPlayer();
    const b = await newPlayer();
    expect(await myBadges(a.accessToken)).toEqual([]);
    const write = await logToday(a.accessToken);
    const awarded = badgeEvents(write.events, "first_log");
    expect(awarded).toHaveLength(1);
    const items = await myBadges(a.accessToken);
    expect(items).toEqual([
      {
        code: "first_log",
        name: awarded[0]!.badge.name,
        description: awarded[0]!.badge.description,
        icon: awarded[0]!.badge.icon,
        earnedAt: awarded[0]!.badge.earnedAt,
      },
    ]);
    expect(await myBadges(b.accessToken)).toEqual([]);
    await expectProblem((await callJson("/v1/users/me/badges")).response, 401);
  });
});

describe("badges are awarded exactly once", () => {
  beforeEach(() => awayFromMidnight());

  it("20 parallel first logs: one first_log event across all responses, listed once", async () => {
    const u = await newPlayer();
    const writes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postLog(u.accessToken, { mealType: "snack", eatenAt: onDay(0, "10:00:00"), title: `Bite ${i}` }),
      ),
    );
    expect(writes.map((write) => write.status)).toEqual(Array(20).fill(201));
    const events = writes.flatMap((write) => write.body.events);
    expect(badgeEvents(events, "first_log")).toHaveLength(1);
    expect(events.filter((event) => event.type === "badge_awarded")).toHaveLength(1);

    const items = await myBadges(u.accessToken);
    expect(items.map((badge) => badge.code)).toEqual(["first_log"]);
    const { body: stats } = await callJson("/v1/users/me/stats", { token: u.accessToken });
    expect(stats).toMatchObject({ totalLogs: 20, daysLogged: 1, badgesEarned: 1 });
    // Later logs award it no more.
    expect(badgeEvents((await logToday(u.accessToken)).events, "first_log")).toEqual([]);
  });

  it("streak_3 after logs on 3 consecutive days (in any order), once", async () => {
    const u = await newPlayer();
    const first = await logToday(u.accessToken, { eatenAt: onDay(-2) });
    expect(badgeEvents(first.events, "first_log")).toHaveLength(1);
    const third = await logToday(u.accessToken, { eatenAt: onDay(0) });
    expect(badgeEvents(third.events, "streak_3")).toEqual([]);
    expect((await myBadges(u.accessToken)).map((badge) => badge.code)).toEqual(["first_log"]);

    // Yesterday fills the gap: -2, -1, 0.
    const middle = await logToday(u.accessToken, { eatenAt: onDay(-1) });
    const streak = badgeEvents(middle.events, "streak_3");
    expect(streak).toHaveLength(1);
    expect(streak[0]!.badge).toMatchObject({ code: "streak_3", earnedAt: expect.any(String) });
    expect((await myBadges(u.accessToken)).map((badge) => badge.code)).toEqual(["first_log", "streak_3"]);
    const { body: stats } = await callJson("/v1/users/me/stats", { token: u.accessToken });
    expect(stats).toMatchObject({ currentStreak: 3, longestStreak: 3, daysLogged: 3, badgesEarned: 2 });

    // A fourth day, another log on a streak day: no second award.
    expect(badgeEvents((await logToday(u.accessToken, { eatenAt: onDay(-3) })).events, "streak_3")).toEqual(
      [],
    );
    expect(
      badgeEvents((await logToday(u.accessToken, { eatenAt: onDay(-1) })).events, "badge_awarded"),
    ).toEqual([]);
    expect((await myBadges(u.accessToken)).filter((badge) => badge.code === "streak_3")).toHaveLength(1);
  });

  it("no streak_3 for three days that are not consecutive", async () => {
    const u = await newPlayer();
    for (const day of [-6, -4, -2, 0]) {
      const write = await logToday(u.accessToken, { eatenAt: onDay(day) });
      expect(badgeEvents(write.events, "streak_3")).toEqual([]);
    }
    expect((await myBadges(u.accessToken)).map((badge) => badge.code)).toEqual(["first_log"]);
  });

  it("streak_7 after 7 consecutive days, with streak_3 earned on the way", async () => {
    const u = await newPlayer();
    const awarded: string[] = [];
    for (const day of [-6, -5, -4, -3, -2, -1, 0]) {
      const write = await logToday(u.accessToken, { eatenAt: onDay(day) });
      awarded.push(
        ...write.events.filter((e) => e.type === "badge_awarded").map((e) => `${day}:${e.badge.code}`),
      );
    }
    expect(awarded).toEqual(["-6:first_log", "-4:streak_3", "0:streak_7"]);
    expect((await myBadges(u.accessToken)).map((badge) => badge.code)).toEqual([
      "first_log",
      "streak_3",
      "streak_7",
    ]);
  });

  it("logs_100 at exactly the 100th log", async () => {
    const u = await newPlayer();
    const batch = (from: number, count: number) =>
      Promise.all(
        Array.from({ length: count }, (_, i) =>
          postLog(u.accessToken, { mealType: "snack", eatenAt: onDay(-1), title: `Snack ${from + i}` }),
        ),
      );
    const writes = [];
    for (let i = 0; i < 99; i += 11) writes.push(...(await batch(i, 11)));
    expect(writes.map((write) => write.status)).toEqual(Array(99).fill(201));
    expect(writes.flatMap((write) => badgeEvents(write.body.events, "logs_100"))).toEqual([]);
    const hundredth = await logToday(u.accessToken, { eatenAt: onDay(-1) });
    expect(badgeEvents(hundredth.events, "logs_100")).toHaveLength(1);
    expect(badgeEvents((await logToday(u.accessToken, { eatenAt: onDay(-1) })).events, "logs_100")).toEqual(
      [],
    );
  });

  it("challenges_5: one log completing five challenges at once awards first_challenge and challenges_5 once each", async () => {
    const u = await newPlayer();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const challenge = await createChallenge(u.accessToken, { rule: { type: "meal_count", target: 1 } });
      await join(u.accessToken, challenge.id);
      ids.push(challenge.id);
    }
    const write = await logToday(u.accessToken);
    const completed = write.events.filter((event) => event.type === "challenge_completed");
    expect(completed.map((event) => event.challengeId).sort()).toEqual([...ids].sort());
    const badges = write.events
      .filter((event) => event.type === "badge_awarded")
      .map((event) => event.badge.code);
    expect(badges).toEqual(["first_log", "first_challenge", "challenges_5"]);
    expect((await myBadges(u.accessToken)).map((badge) => badge.code)).toEqual([
      "first_log",
      "first_challenge",
      "challenges_5",
    ]);
  });

  it("a badge stays when the logs that earned it are deleted", async () => {
    const u = await newPlayer();
    const writes = [];
    for (const day of [-2, -1, 0]) writes.push(await logToday(u.accessToken, { eatenAt: onDay(day) }));
    expect(badgeEvents(writes[2]!.events, "streak_3")).toHaveLength(1);
    for (const write of writes) {
      expect(
        (await callJson(`/v1/logs/${write.log.id}`, { method: "DELETE", token: u.accessToken })).status,
      ).toBe(204);
    }
    expect((await myBadges(u.accessToken)).map((badge) => badge.code)).toEqual(["first_log", "streak_3"]);
    // Logging again awards nothing new.
    expect(badgeEvents((await logToday(u.accessToken)).events, "first_log")).toEqual([]);
  });
});
