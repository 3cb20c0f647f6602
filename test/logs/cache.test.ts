import { describe, expect, it } from "vitest";
import { dayOf, deleteLog, logMeal, patchLog, summaryOf } from "../helpers/logs";
import { redisCommand } from "../helpers/redis";
import { cachedEntry, summaryCacheKey, warmSummary } from "../helpers/user-cache";
import { newUser, updateProfile } from "../helpers/users";

const FROM = "2026-11-16";
const TO = "2026-11-22";

describe("summary cache: served from Redis when warm", () => {
  it("a warm read answers what Redis holds for the user and range", async () => {
    const account = await newUser();
    await logMeal(account.accessToken, { eatenAt: "2026-11-20T12:00:00+09:00", calories: 500 });
    const fresh = await warmSummary(account, FROM, TO);
    const entry = await cachedEntry(account, `summary:${FROM}:${TO}`);
    expect(entry?.value).toEqual(fresh);

    // Put a marker into the entry: a read that answers it was served from Redis, not the database.
    const marked = { ...fresh, totals: { ...fresh.totals, meals: 999 } };
    await redisCommand(
      "SET",
      summaryCacheKey(account, FROM, TO),
      `${entry!.version}|${entry!.epoch}|${JSON.stringify(marked)}`,
      "EX",
      600,
    );
    expect(await summaryOf(account.accessToken, FROM, TO)).toEqual(marked);

    // Other ranges are entries of their own.
    const other = await summaryOf(account.accessToken, FROM, "2026-11-21");
    expect(other.totals.meals).toBe(1);
  });
});

describe("summary cache: every log write invalidates it (the next read is never stale)", () => {
  it("after a create", async () => {
    const account = await newUser();
    await logMeal(account.accessToken, { eatenAt: "2026-11-20T12:00:00+09:00", calories: 500 });
    const before = await warmSummary(account, FROM, TO);
    expect(before.totals).toMatchObject({ meals: 1, calories: 500 });

    await logMeal(account.accessToken, {
      eatenAt: "2026-11-21T12:00:00+09:00",
      calories: 300,
      proteinG: 12.5,
    });

    const after = await summaryOf(account.accessToken, FROM, TO);
    expect(after.totals).toMatchObject({ meals: 2, calories: 800, proteinG: 12.5 });
    expect(dayOf(after, "2026-11-21")).toMatchObject({ meals: 1, calories: 300 });
  });

  it("after the very first create (a warm all-empty summary)", async () => {
    const account = await newUser();
    const before = await warmSummary(account, FROM, TO);
    expect(before.totals.meals).toBe(0);
    await logMeal(account.accessToken, { eatenAt: "2026-11-18T12:00:00+09:00", calories: 640 });
    expect(dayOf(await summaryOf(account.accessToken, FROM, TO), "2026-11-18")).toMatchObject({
      meals: 1,
      calories: 640,
    });
  });

  it("after a PATCH of calories and grams", async () => {
    const account = await newUser();
    const { log } = await logMeal(account.accessToken, {
      eatenAt: "2026-11-20T12:00:00+09:00",
      calories: 500,
    });
    await warmSummary(account, FROM, TO);

    const patched = await patchLog(account.accessToken, log.id, { calories: 750, fatG: 30.5 });
    expect(patched.status).toBe(200);

    const after = await summaryOf(account.accessToken, FROM, TO);
    expect(dayOf(after, "2026-11-20")).toMatchObject({ meals: 1, calories: 750, fatG: 30.5 });
    expect(after.totals).toMatchObject({ calories: 750, fatG: 30.5 });
  });

  it("after a PATCH of eatenAt that moves the log to another day", async () => {
    const account = await newUser({ timezone: "Asia/Seoul" });
    const { log } = await logMeal(account.accessToken, {
      eatenAt: "2026-11-20T23:30:00+09:00",
      calories: 500,
    });
    const before = await warmSummary(account, FROM, TO);
    expect(dayOf(before, "2026-11-20").meals).toBe(1);

    const moved = await patchLog(account.accessToken, log.id, { eatenAt: "2026-11-21T00:30:00+09:00" });
    expect(moved.body.log.localDate).toBe("2026-11-21");

    const after = await summaryOf(account.accessToken, FROM, TO);
    expect(dayOf(after, "2026-11-20")).toMatchObject({ meals: 0, calories: 0 });
    expect(dayOf(after, "2026-11-21")).toMatchObject({ meals: 1, calories: 500 });
  });

  it("after a PATCH of eatenAt that moves the log out of the range", async () => {
    const account = await newUser();
    const { log } = await logMeal(account.accessToken, {
      eatenAt: "2026-11-20T12:00:00+09:00",
      calories: 500,
    });
    await warmSummary(account, FROM, TO);
    await patchLog(account.accessToken, log.id, { eatenAt: "2026-11-01T12:00:00+09:00" });
    expect((await summaryOf(account.accessToken, FROM, TO)).totals).toMatchObject({ meals: 0, calories: 0 });
  });

  it("after a DELETE", async () => {
    const account = await newUser();
    const keep = await logMeal(account.accessToken, { eatenAt: "2026-11-19T12:00:00+09:00", calories: 200 });
    const drop = await logMeal(account.accessToken, { eatenAt: "2026-11-20T12:00:00+09:00", calories: 500 });
    await warmSummary(account, FROM, TO);

    expect((await deleteLog(account.accessToken, drop.log.id)).status).toBe(204);

    const after = await summaryOf(account.accessToken, FROM, TO);
    expect(after.totals).toMatchObject({ meals: 1, calories: 200 });
    expect(dayOf(after, "2026-11-20")).toMatchObject({ meals: 0, calories: 0 });
    expect(dayOf(after, keep.log.localDate)).toMatchObject({ meals: 1, calories: 200 });
  });

  it("one write invalidates every warm range of the user", async () => {
    const account = await newUser();
    await logMeal(account.accessToken, { eatenAt: "2026-11-20T12:00:00+09:00", calories: 100 });
    await warmSummary(account, FROM, TO);
    await warmSummary(account, "2026-11-20", "2026-11-20");
    await warmSummary(account, "2026-11-01", "2026-11-30");

    await logMeal(account.accessToken, { eatenAt: "2026-11-20T18:00:00+09:00", calories: 50 });

    for (const [from, to] of [
      [FROM, TO],
      ["2026-11-20", "2026-11-20"],
      ["2026-11-01", "2026-11-30"],
    ] as const) {
      expect((await summaryOf(account.accessToken, from, to)).totals).toMatchObject({
        meals: 2,
        calories: 150,
      });
    }
  });

  it("a sequence of writes, each read right after, never shows a stale summary", async () => {
    const account = await newUser();
    let calories = 0;
    let meals = 0;
    const ids: string[] = [];
    for (const amount of [100, 250, 400]) {
      await warmSummary(account, FROM, TO);
      ids.push(
        (await logMeal(account.accessToken, { eatenAt: "2026-11-20T12:00:00+09:00", calories: amount })).log
          .id,
      );
      calories += amount;
      meals += 1;
      expect((await summaryOf(account.accessToken, FROM, TO)).totals).toMatchObject({ meals, calories });
    }
    await warmSummary(account, FROM, TO);
    await patchLog(account.accessToken, ids[0]!, { calories: 0 });
    expect((await summaryOf(account.accessToken, FROM, TO)).totals.calories).toBe(650);
    await warmSummary(account, FROM, TO);
    await deleteLog(account.accessToken, ids[1]!);
    expect((await summaryOf(account.accessToken, FROM, TO)).totals).toMatchObject({
      meals: 2,
      calories: 400,
    });
  });
});

// A profile change is a write too: it bumps the user's cache version, so a summary cached before it
// (old goalCalories / metGoal / timezone) is never served after it.
describe("summary cache: profile changes", () => {
  it("a calorie goal change shows on the next summary read", async () => {
    const account = await newUser({ goals: { calories: 2000 } });
    await logMeal(account.accessToken, { eatenAt: "2026-11-20T12:00:00+09:00", calories: 1800 });
    const before = await warmSummary(account, FROM, TO);
    expect(dayOf(before, "2026-11-20")).toMatchObject({ goalCalories: 2000, metGoal: true });

    await updateProfile(account.accessToken, { goals: { calories: 1500 } });

    const after = await summaryOf(account.accessToken, FROM, TO);
    expect(dayOf(after, "2026-11-20")).toMatchObject({ goalCalories: 1500, metGoal: false });
  });

  it("a time-zone change shows in the next summary's timezone", async () => {
    const account = await newUser({ timezone: "Asia/Seoul" });
    await logMeal(account.accessToken, { eatenAt: "2026-11-20T12:00:00+09:00", calories: 400 });
    expect((await warmSummary(account, FROM, TO)).timezone).toBe("Asia/Seoul");

    await updateProfile(account.accessToken, { timezone: "Europe/Paris" });

    const after = await summaryOf(account.accessToken, FROM, TO);
    expect(after.timezone).toBe("Europe/Paris");
    expect(dayOf(after, "2026-11-20")).toMatchObject({ meals: 1, calories: 400 });
  });
});
