import { beforeEach, describe, expect, it } from "vitest";
import {
  createChallenge,
  eventsOf,
  join,
  logToday,
  newPlayer,
  OFFICIAL,
  progressOf,
} from "../helpers/challenges";
import { DAYS, fromNow, onDay, utcDay } from "../helpers/dates";
import { updateLog } from "../helpers/logs";
import { updateProfile } from "../helpers/users";
import { awayFromMidnight } from "../helpers/wait";

/**
 * Each rule type against logs inside, before and after the window. Users are in UTC, so their local
 * days are UTC dates. Fixed windows (no durationDays) count the participant's logs whose day falls
 * between the days of startsAt and endsAt, whether logged before or after joining.
 */
describe("challenge rules", () => {
  beforeEach(() => awayFromMidnight());

  // A window from 10 days ago through today: endsAt is tomorrow's midnight (UTC), so tomorrow is
  // after the window yet still a day the API lets a meal be logged on.
  const throughToday = () => ({ startsAt: fromNow(-10 * DAYS), endsAt: `${utcDay(1)}T00:00:00Z` });

  describe("log_days", () => {
    it("counts distinct days inside the window, logs before joining included", async () => {
      const u = await newPlayer();
      await logToday(u.accessToken, { eatenAt: onDay(-12) }); // before the window
      await logToday(u.accessToken, { eatenAt: onDay(-11, "23:59:59") }); // the day before it starts
      await logToday(u.accessToken, { eatenAt: onDay(-10, "00:00:01") }); // its first day (before startsAt's instant)
      await logToday(u.accessToken, { eatenAt: onDay(-5, "08:00:00") });
      await logToday(u.accessToken, { eatenAt: onDay(-5, "19:00:00") }); // same day: counts once
      const challenge = await createChallenge(u.accessToken, {
        rule: { type: "log_days", target: 5 },
        ...throughToday(),
      });

      expect(await join(u.accessToken, challenge.id)).toEqual({
        current: 2,
        target: 5,
        completed: false,
        completedAt: null,
      });

      const today = await logToday(u.accessToken, { eatenAt: onDay(0) });
      expect(eventsOf(today.events, "challenge_progress", challenge.id)).toEqual([
        expect.objectContaining({ challengeId: challenge.id, current: 3, target: 5 }),
      ]);

      // Tomorrow is after the window: no progress, no event for this challenge.
      const tomorrow = await logToday(u.accessToken, { eatenAt: onDay(1, "00:00:05") });
      expect(tomorrow.log.localDate).toBe(utcDay(1));
      expect(eventsOf(tomorrow.events, "challenge_progress", challenge.id)).toEqual([]);
      // Another day before the window: nothing either.
      const before = await logToday(u.accessToken, { eatenAt: onDay(-20) });
      expect(eventsOf(before.events, "challenge_progress", challenge.id)).toEqual([]);

      expect(await progressOf(u.accessToken, challenge.id)).toMatchObject({ current: 3, completed: false });
    });

    it("does not count logs before an upcoming window starts, and counts those on its days", async () => {
      const u = await newPlayer();
      const challenge = await createChallenge(u.accessToken, {
        rule: { type: "log_days", target: 3 },
        startsAt: `${utcDay(1)}T00:00:00Z`,
        endsAt: `${utcDay(5)}T00:00:00Z`,
      });
      expect(await join(u.accessToken, challenge.id)).toMatchObject({ current: 0 });
      const today = await logToday(u.accessToken, { eatenAt: onDay(0) });
      expect(eventsOf(today.events, "challenge_progress", challenge.id)).toEqual([]);
      const tomorrow = await logToday(u.accessToken, { eatenAt: onDay(1, "00:00:05") });
      expect(eventsOf(tomorrow.events, "challenge_progress", challenge.id)).toEqual([
        expect.objectContaining({ current: 1, target: 3 }),
      ]);
      expect(await progressOf(u.accessToken, challenge.id)).toMatchObject({ current: 1 });
    });
  });

  it("a night owl's 02:00 meal belongs to the day before (dayStartHour), outside a window starting today", async () => {
    const u = await newPlayer();
    await updateProfile(u.accessToken, { dayStartHour: 4 });
    const challenge = await createChallenge(u.accessToken, {
      rule: { type: "log_days", target: 3 },
      startsAt: `${utcDay(0)}T04:30:00Z`,
      endsAt: fromNow(5 * DAYS),
    });
    await join(u.accessToken, challenge.id);
    const owl = await logToday(u.accessToken, { mealType: "snack", eatenAt: onDay(0, "02:00:00") });
    expect(owl.log.localDate).toBe(utcDay(-1));
    expect(eventsOf(owl.events, "challenge_progress", challenge.id)).toEqual([]);
    const lunch = await logToday(u.accessToken, { eatenAt: onDay(0, "12:00:00") });
    expect(lunch.log.localDate).toBe(utcDay(0));
    expect(eventsOf(lunch.events, "challenge_progress", challenge.id)).toEqual([
      expect.objectContaining({ current: 1 }),
    ]);
  });

  describe("streak_days", () => {
    it("counts the longest run of consecutive days inside the window only", async () => {
      const u = await newPlayer();
      // -12 and -11 are before the window: the run -12..-9 counts only from -10.
      for (const day of [-12, -11, -10, -9]) await logToday(u.accessToken, { eatenAt: onDay(day) });
      await logToday(u.accessToken, { eatenAt: onDay(-7) });
      const challenge = await createChallenge(u.accessToken, {
        rule: { type: "streak_days", target: 5 },
        ...throughToday(),
      });
      expect(await join(u.accessToken, challenge.id)).toMatchObject({ current: 2, target: 5 });

      // Filling the gap on -8 joins the runs: -10..-7 is 4 days.
      const gap = await logToday(u.accessToken, { eatenAt: onDay(-8) });
      expect(eventsOf(gap.events, "challenge_progress", challenge.id)).toEqual([
        expect.objectContaining({ current: 4 }),
      ]);
      // A second log on a day of the run changes nothing.
      const same = await logToday(u.accessToken, { eatenAt: onDay(-8, "20:00:00") });
      expect(eventsOf(same.events, "challenge_progress", challenge.id)).toEqual([]);
      // Today and tomorrow (after the window) make a run of 2 that does not beat 4.
      await logToday(u.accessToken, { eatenAt: onDay(0) });
      await logToday(u.accessToken, { eatenAt: onDay(1, "00:00:05") });
      expect(await progressOf(u.accessToken, challenge.id)).toMatchObject({ current: 4, completed: false });

      // -6 makes -10..-6 five days in a row: the target.
      const done = await logToday(u.accessToken, { eatenAt: onDay(-6) });
      expect(eventsOf(done.events, "challenge_completed", challenge.id)).toHaveLength(1);
      expect(await progressOf(u.accessToken, challenge.id)).toMatchObject({ current: 5, completed: true });
    });
  });

  describe("meal_count", () => {
    it("with mealType counts only that meal type inside the window", async () => {
      const u = await newPlayer();
      await logToday(u.accessToken, { mealType: "breakfast", eatenAt: onDay(-20) }); // before
      await logToday(u.accessToken, { mealType: "breakfast", eatenAt: onDay(-5, "07:00:00") });
      await logToday(u.accessToken, { mealType: "lunch", eatenAt: onDay(-5) });
      const challenge = await createChallenge(u.accessToken, {
        rule: { type: "meal_count", target: 3, mealType: "breakfast" },
        ...throughToday(),
      });
      expect(challenge.rule).toEqual({ type: "meal_count", target: 3, mealType: "breakfast" });
      expect(await join(u.accessToken, challenge.id)).toMatchObject({ current: 1, target: 3 });

      const breakfast = await logToday(u.accessToken, {
        mealType: "breakfast",
        eatenAt: onDay(0, "07:00:00"),
      });
      expect(eventsOf(breakfast.events, "challenge_progress", challenge.id)).toEqual([
        expect.objectContaining({ current: 2 }),
      ]);
      const snack = await logToday(u.accessToken, { mealType: "snack", eatenAt: onDay(0) });
      expect(eventsOf(snack.events, "challenge_progress", challenge.id)).toEqual([]);
      const after = await logToday(u.accessToken, { mealType: "breakfast", eatenAt: onDay(1, "00:00:05") });
      expect(eventsOf(after.events, "challenge_progress", challenge.id)).toEqual([]);
      expect(await progressOf(u.accessToken, challenge.id)).toMatchObject({ current: 2, completed: false });
    });

    it("without mealType counts every meal inside the window", async () => {
      const u = await newPlayer();
      await logToday(u.accessToken, { mealType: "dinner", eatenAt: onDay(-11) }); // before
      await logToday(u.accessToken, { mealType: "breakfast", eatenAt: onDay(-3, "07:00:00") });
      await logToday(u.accessToken, { mealType: "snack", eatenAt: onDay(-3, "15:00:00") });
      const challenge = await createChallenge(u.accessToken, {
        rule: { type: "meal_count", target: 4 },
        ...throughToday(),
      });
      expect(challenge.rule).toEqual({ type: "meal_count", target: 4 });
      expect(await join(u.accessToken, challenge.id)).toMatchObject({ current: 2 });
      await logToday(u.accessToken, { mealType: "dinner", eatenAt: onDay(0) });
      await logToday(u.accessToken, { mealType: "lunch", eatenAt: onDay(1, "00:00:05") }); // after
      expect(await progressOf(u.accessToken, challenge.id)).toMatchObject({ current: 3, completed: false });
      const done = await logToday(u.accessToken, { mealType: "lunch", eatenAt: onDay(0) });
      expect(eventsOf(done.events, "challenge_completed", challenge.id)).toHaveLength(1);
    });
  });

  describe("tag_count", () => {
    it("counts logs carrying the tag inside the window", async () => {
      const u = await newPlayer();
      await logToday(u.accessToken, { tags: ["vegetable"], eatenAt: onDay(-15) }); // before
      await logToday(u.accessToken, { tags: ["vegetable", "homemade"], eatenAt: onDay(-2) });
      await logToday(u.accessToken, { tags: ["fruit"], eatenAt: onDay(-2) });
      await logToday(u.accessToken, { eatenAt: onDay(-2) });
      const challenge = await createChallenge(u.accessToken, {
        rule: { type: "tag_count", target: 3, tag: "vegetable" },
        ...throughToday(),
      });
      expect(await join(u.accessToken, challenge.id)).toMatchObject({ current: 1, target: 3 });
      const veg = await logToday(u.accessToken, { tags: ["homemade", "vegetable"], eatenAt: onDay(0) });
      expect(eventsOf(veg.events, "challenge_progress", challenge.id)).toEqual([
        expect.objectContaining({ current: 2 }),
      ]);
      const after = await logToday(u.accessToken, { tags: ["vegetable"], eatenAt: onDay(1, "00:00:05") });
      expect(eventsOf(after.events, "challenge_progress", challenge.id)).toEqual([]);
      expect(await progressOf(u.accessToken, challenge.id)).toMatchObject({ current: 2, completed: false });
    });
  });

  describe("calorie_cap_days", () => {
    it("counts finished days inside the window whose total is at most the cap; today does not count yet", async () => {
      const u = await newPlayer();
      await logToday(u.accessToken, { calories: 300, eatenAt: onDay(-15) }); // before the window
      await logToday(u.accessToken, { calories: 400, eatenAt: onDay(-3, "08:00:00") });
      await logToday(u.accessToken, { calories: 500, eatenAt: onDay(-3, "19:00:00") }); // -3: 900 ≤ 1000
      const over = await logToday(u.accessToken, { calories: 800, eatenAt: onDay(-2, "08:00:00") });
      await logToday(u.accessToken, { calories: 300, eatenAt: onDay(-2, "19:00:00") }); // -2: 1100 > 1000
      await logToday(u.accessToken, { calories: 1000, eatenAt: onDay(-4) }); // exactly the cap
      const challenge = await createChallenge(u.accessToken, {
        rule: { type: "calorie_cap_days", target: 5, maxCalories: 1000 },
        ...throughToday(),
      });
      expect(await join(u.accessToken, challenge.id)).toMatchObject({ current: 2, target: 5 });

      // A finished day with a meal of unknown calories totals 0: it counts.
      const unknown = await logToday(u.accessToken, { eatenAt: onDay(-1) });
      expect(eventsOf(unknown.events, "challenge_progress", challenge.id)).toEqual([
        expect.objectContaining({ current: 3 }),
      ]);
      // Today is not over: a light meal today does not count (yet).
      const today = await logToday(u.accessToken, { calories: 200, eatenAt: onDay(0) });
      expect(eventsOf(today.events, "challenge_progress", challenge.id)).toEqual([]);
      expect(await progressOf(u.accessToken, challenge.id)).toMatchObject({ current: 3 });

      // Bringing -2 under the cap makes it count; pushing -3 over takes it away.
      const lighter = await updateLog(u.accessToken, over.log.id, { calories: 600 });
      expect(eventsOf(lighter.events, "challenge_progress", challenge.id)).toEqual([
        expect.objectContaining({ current: 4 }),
      ]);
      const heavy = await logToday(u.accessToken, { calories: 101, eatenAt: onDay(-3, "22:00:00") });
      expect(eventsOf(heavy.events, "challenge_progress", challenge.id)).toEqual([
        expect.objectContaining({ current: 3 }),
      ]);
      expect(await progressOf(u.accessToken, challenge.id)).toMatchObject({ current: 3, completed: false });
    });

    it("counts today's meals once the day is over (seen here by moving the user to a zone a day ahead)", async () => {
      // Pago Pago is UTC-11 and Kiritimati UTC+14: whatever the hour, the Pago Pago day of a meal eaten
      // now is over in Kiritimati.
      const u = await newPlayer({ timezone: "Pacific/Pago_Pago" });
      const challenge = await createChallenge(u.accessToken, {
        rule: { type: "calorie_cap_days", target: 2, maxCalories: 1800 },
      });
      await join(u.accessToken, challenge.id);
      const meal = await logToday(u.accessToken, { calories: 700, eatenAt: fromNow(-60_000) });
      expect(eventsOf(meal.events, "challenge_progress", challenge.id)).toEqual([]);
      expect(await progressOf(u.accessToken, challenge.id)).toMatchObject({ current: 0 });

      await updateProfile(u.accessToken, { timezone: "Pacific/Kiritimati" });
      expect(await progressOf(u.accessToken, challenge.id)).toMatchObject({ current: 1, completed: false });
    });
  });

  describe("durationDays: each participant's window starts on the day they join", () => {
    it("official challenge: yesterday's log does not count, today's does", async () => {
      const u = await newPlayer();
      await logToday(u.accessToken, { mealType: "breakfast", eatenAt: onDay(-1, "07:00:00") });
      const joined = await join(u.accessToken, OFFICIAL.breakfastClub);
      expect(joined).toEqual({ current: 0, target: 30, completed: false, completedAt: null });

      const today = await logToday(u.accessToken, { mealType: "breakfast", eatenAt: onDay(0, "07:00:00") });
      expect(eventsOf(today.events, "challenge_progress", OFFICIAL.breakfastClub)).toEqual([
        expect.objectContaining({ current: 1, target: 30 }),
      ]);
      // Another breakfast yesterday, logged after joining: still before this participant's window.
      const late = await logToday(u.accessToken, { mealType: "breakfast", eatenAt: onDay(-2, "07:00:00") });
      expect(eventsOf(late.events, "challenge_progress", OFFICIAL.breakfastClub)).toEqual([]);
      expect(await progressOf(u.accessToken, OFFICIAL.breakfastClub)).toMatchObject({ current: 1 });
    });

    it("user challenge: the window is durationDays days from the join day (here 1: today only)", async () => {
      const u = await newPlayer();
      await logToday(u.accessToken, { eatenAt: onDay(-1) });
      const challenge = await createChallenge(u.accessToken, {
        rule: { type: "log_days", target: 2 },
        endsAt: null,
        durationDays: 1,
      });
      expect(challenge.durationDays).toBe(1);
      expect(challenge.endsAt).toBeNull();
      expect(await join(u.accessToken, challenge.id)).toMatchObject({ current: 0 });
      await logToday(u.accessToken, { eatenAt: onDay(0) });
      const tomorrow = await logToday(u.accessToken, { eatenAt: onDay(1, "00:00:05") });
      expect(eventsOf(tomorrow.events, "challenge_progress", challenge.id)).toEqual([]);
      expect(await progressOf(u.accessToken, challenge.id)).toMatchObject({ current: 1, completed: false });
    });

    it("the participant's window also stops where the challenge ends", async () => {
      const u = await newPlayer();
      const challenge = await createChallenge(u.accessToken, {
        rule: { type: "log_days", target: 5 },
        durationDays: 30,
        endsAt: `${utcDay(1)}T00:00:00Z`,
      });
      await join(u.accessToken, challenge.id);
      await logToday(u.accessToken, { eatenAt: onDay(-1) });
      await logToday(u.accessToken, { eatenAt: onDay(0) });
      await logToday(u.accessToken, { eatenAt: onDay(1, "00:00:05") });
      expect(await progressOf(u.accessToken, challenge.id)).toMatchObject({ current: 1 });
    });
  });
});
