import { beforeEach, describe, expect, it } from "vitest";
import {
  badgeEvents,
  createChallenge,
  eventsOf,
  getChallenge,
  join,
  logToday,
  newPlayer,
  OFFICIAL,
  progressOf,
} from "../helpers/challenges";
import { onDay } from "../helpers/dates";
import { callJson } from "../helpers/http";
import { postLog, removeLog, updateLog, type WriteEvent } from "../helpers/logs";
import { awayFromMidnight } from "../helpers/wait";

/** The `current` a write reports for one challenge (undefined: the write did not move it). */
const currentAfter = (events: WriteEvent[], challengeId: string) =>
  eventsOf(events, "challenge_progress", challengeId)[0]?.current as number | undefined;

const myBadgeCodes = async (token: string) => {
  const { status, body } = await callJson("/v1/users/me/badges", { token });
  expect(status).toBe(200);
  return (body.items as { code: string }[]).map((badge) => badge.code);
};

describe("progress follows every log write", () => {
  beforeEach(() => awayFromMidnight());

  it("PATCH of tags moves tag_count progress up and down; DELETE moves it down", async () => {
    const u = await newPlayer();
    const challenge = await createChallenge(u.accessToken, {
      rule: { type: "tag_count", target: 5, tag: "vegetable" },
    });
    await join(u.accessToken, challenge.id);
    const a = await logToday(u.accessToken, { tags: ["vegetable"] });
    expect(currentAfter(a.events, challenge.id)).toBe(1);
    const b = await logToday(u.accessToken, { tags: ["fruit"] });
    expect(currentAfter(b.events, challenge.id)).toBeUndefined();

    expect(
      currentAfter(
        (await updateLog(u.accessToken, b.log.id, { tags: ["fruit", "vegetable"] })).events,
        challenge.id,
      ),
    ).toBe(2);
    expect(await progressOf(u.accessToken, challenge.id)).toMatchObject({ current: 2 });
    expect(currentAfter((await updateLog(u.accessToken, a.log.id, { tags: [] })).events, challenge.id)).toBe(
      1,
    );
    expect(await progressOf(u.accessToken, challenge.id)).toMatchObject({ current: 1 });
    // A change that does not touch the tag leaves progress alone.
    expect(
      currentAfter((await updateLog(u.accessToken, b.log.id, { title: "Fruit salad" })).events, challenge.id),
    ).toBeUndefined();

    await removeLog(u.accessToken, b.log.id);
    expect(await progressOf(u.accessToken, challenge.id)).toMatchObject({ current: 0 });
    const listed = await getChallenge(u.accessToken, challenge.id);
    expect(listed.body.progress).toMatchObject({ current: 0, target: 5, completed: false });
  });

  it("PATCH of mealType moves meal_count (with mealType) progress either way", async () => {
    const u = await newPlayer();
    const challenge = await createChallenge(u.accessToken, {
      rule: { type: "meal_count", target: 3, mealType: "breakfast" },
    });
    await join(u.accessToken, challenge.id);
    const meal = await logToday(u.accessToken, { mealType: "lunch" });
    expect(currentAfter(meal.events, challenge.id)).toBeUndefined();
    expect(
      currentAfter(
        (await updateLog(u.accessToken, meal.log.id, { mealType: "breakfast" })).events,
        challenge.id,
      ),
    ).toBe(1);
    expect(await progressOf(u.accessToken, challenge.id)).toMatchObject({ current: 1 });
    expect(
      currentAfter(
        (await updateLog(u.accessToken, meal.log.id, { mealType: "dinner" })).events,
        challenge.id,
      ),
    ).toBe(0);
    expect(await progressOf(u.accessToken, challenge.id)).toMatchObject({ current: 0 });
  });

  it("PATCH of eatenAt moves a log's day out of and back into the window, and onto another logged day", async () => {
    const u = await newPlayer();
    const challenge = await createChallenge(u.accessToken, { rule: { type: "log_days", target: 5 } });
    await join(u.accessToken, challenge.id);
    await logToday(u.accessToken, { eatenAt: onDay(-1) });
    const moving = await logToday(u.accessToken, { eatenAt: onDay(-3) });
    expect(currentAfter(moving.events, challenge.id)).toBe(2);

    // 20 days ago is before the window (it started 10 days ago).
    const out = await updateLog(u.accessToken, moving.log.id, { eatenAt: onDay(-20) });
    expect(out.log.localDate).toBe(onDay(-20).slice(0, 10));
    expect(currentAfter(out.events, challenge.id)).toBe(1);
    expect(await progressOf(u.accessToken, challenge.id)).toMatchObject({ current: 1 });

    const back = await updateLog(u.accessToken, moving.log.id, { eatenAt: onDay(-4) });
    expect(currentAfter(back.events, challenge.id)).toBe(2);
    // Onto a day that already has a log: one distinct day fewer.
    const merged = await updateLog(u.accessToken, moving.log.id, { eatenAt: onDay(-1, "20:00:00") });
    expect(currentAfter(merged.events, challenge.id)).toBe(1);
    expect(await progressOf(u.accessToken, challenge.id)).toMatchObject({ current: 1 });
  });

  it("completes at exactly the target, awards the official badge once, and keeps both after deletions", async () => {
    const u = await newPlayer();
    await join(u.accessToken, OFFICIAL.veggieFive);
    const logs = [];
    for (let i = 0; i < 4; i++) {
      const write = await logToday(u.accessToken, { tags: ["vegetable"], eatenAt: onDay(0, `0${i}:30:00`) });
      logs.push(write);
      expect(eventsOf(write.events, "challenge_completed")).toEqual([]);
    }
    expect(currentAfter(logs[3]!.events, OFFICIAL.veggieFive)).toBe(4);
    expect(await progressOf(u.accessToken, OFFICIAL.veggieFive)).toEqual({
      current: 4,
      target: 5,
      completed: false,
      completedAt: null,
    });
    expect(await myBadgeCodes(u.accessToken)).not.toContain("challenge_veggie_five");

    const fifth = await logToday(u.accessToken, { tags: ["vegetable"], eatenAt: onDay(0, "05:30:00") });
    expect(currentAfter(fifth.events, OFFICIAL.veggieFive)).toBe(5);
    const completed = eventsOf(fifth.events, "challenge_completed", OFFICIAL.veggieFive);
    expect(completed).toHaveLength(1);
    expect(completed[0]!.completedAt).toEqual(expect.any(String));
    const badge = badgeEvents(fifth.events, "challenge_veggie_five");
    expect(badge).toHaveLength(1);
    expect(badge[0]!.badge).toMatchObject({
      code: "challenge_veggie_five",
      name: expect.any(String),
      description: expect.any(String),
      icon: expect.any(String),
      earnedAt: expect.any(String),
    });
    // A first completed challenge also earns `first_challenge`.
    expect(badgeEvents(fifth.events, "first_challenge")).toHaveLength(1);

    const done = await progressOf(u.accessToken, OFFICIAL.veggieFive);
    expect(done).toMatchObject({ current: 5, target: 5, completed: true });
    expect(Date.parse(done.completedAt!)).toBe(Date.parse(completed[0]!.completedAt));
    expect(await myBadgeCodes(u.accessToken)).toEqual(
      expect.arrayContaining(["challenge_veggie_five", "first_challenge"]),
    );

    // Deletions lower `current` but never take back completion or the badge.
    const del1 = await callJson(`/v1/logs/${logs[0]!.log.id}`, { method: "DELETE", token: u.accessToken });
    expect(del1.status).toBe(204);
    await removeLog(u.accessToken, logs[1]!.log.id);
    const after = await progressOf(u.accessToken, OFFICIAL.veggieFive);
    expect(after).toEqual({ current: 3, target: 5, completed: true, completedAt: done.completedAt });
    const codes = await myBadgeCodes(u.accessToken);
    expect(codes.filter((code) => code === "challenge_veggie_five")).toHaveLength(1);

    // Reaching the target again completes nothing anew and awards nothing anew.
    await logToday(u.accessToken, { tags: ["vegetable"], eatenAt: onDay(0, "06:30:00") });
    const again = await logToday(u.accessToken, { tags: ["vegetable"], eatenAt: onDay(0, "07:30:00") });
    expect(currentAfter(again.events, OFFICIAL.veggieFive)).toBe(5);
    expect(eventsOf(again.events, "challenge_completed")).toEqual([]);
    expect(eventsOf(again.events, "badge_awarded")).toEqual([]);
    expect(await progressOf(u.accessToken, OFFICIAL.veggieFive)).toEqual({
      current: 5,
      target: 5,
      completed: true,
      completedAt: done.completedAt,
    });
  });

  it("a user challenge completes with a challenge_completed event but awards no challenge badge of its own", async () => {
    const u = await newPlayer();
    const challenge = await createChallenge(u.accessToken, { rule: { type: "meal_count", target: 2 } });
    expect(challenge.badge).toBeNull();
    await join(u.accessToken, challenge.id);
    const first = await logToday(u.accessToken);
    expect(eventsOf(first.events, "challenge_completed")).toEqual([]);
    const second = await logToday(u.accessToken);
    expect(eventsOf(second.events, "challenge_completed", challenge.id)).toHaveLength(1);
    const awarded = eventsOf(second.events, "badge_awarded").map((event) => event.badge.code);
    expect(awarded).toEqual(["first_challenge"]);
  });

  it("completes once when the writes that reach the target run concurrently", async () => {
    const u = await newPlayer();
    const challenge = await createChallenge(u.accessToken, { rule: { type: "meal_count", target: 3 } });
    await join(u.accessToken, challenge.id);
    await logToday(u.accessToken);
    const writes = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        postLog(u.accessToken, { mealType: "snack", eatenAt: onDay(0), title: `Snack ${i}` }),
      ),
    );
    expect(writes.map((write) => write.status)).toEqual(Array(6).fill(201));
    const events = writes.flatMap((write) => write.body.events);
    expect(eventsOf(events, "challenge_completed", challenge.id)).toHaveLength(1);
    expect(badgeEvents(events, "first_challenge")).toHaveLength(1);
    const progress = await progressOf(u.accessToken, challenge.id);
    expect(progress).toMatchObject({ current: 3, target: 3, completed: true });
  });

  it("joining when the logs already reach the target completes at once", async () => {
    const u = await newPlayer();
    await logToday(u.accessToken, { eatenAt: onDay(-2) });
    await logToday(u.accessToken, { eatenAt: onDay(-1) });
    const challenge = await createChallenge(u.accessToken, { rule: { type: "log_days", target: 2 } });
    const progress = await join(u.accessToken, challenge.id);
    expect(progress).toMatchObject({
      current: 2,
      target: 2,
      completed: true,
      completedAt: expect.any(String),
    });
    expect(await myBadgeCodes(u.accessToken)).toContain("first_challenge");
  });
});
