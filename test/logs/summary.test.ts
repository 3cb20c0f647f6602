import { describe, expect, it } from "vitest";
import { addDays } from "../helpers/dates";
import { expectProblem } from "../helpers/http";
import { expectInvalid, getSummary, logMeal, summaryOf } from "../helpers/logs";
import { newUser, updateProfile } from "../helpers/users";

const empty = (date: string, goalCalories: number | null = null) => ({
  date,
  meals: 0,
  calories: 0,
  proteinG: 0,
  carbsG: 0,
  fatG: 0,
  goalCalories,
  metGoal: goalCalories === null ? null : false,
});

describe("GET /v1/logs/summary: happy path", () => {
  it("answers one entry per day with its totals, empty days included, and the overall totals", async () => {
    const account = await newUser({ timezone: "Asia/Seoul" });
    const token = account.accessToken;
    // Outside the range on both sides (Seoul days).
    await logMeal(token, { eatenAt: "2026-11-09T23:59:00+09:00", calories: 9000 });
    await logMeal(token, { eatenAt: "2026-11-13T00:00:00+09:00", calories: 9000 });
    // Inside.
    await logMeal(token, {
      eatenAt: "2026-11-10T08:00:00+09:00",
      calories: 500,
      proteinG: 10.25,
      carbsG: 60.5,
      fatG: 12,
    });
    await logMeal(token, {
      eatenAt: "2026-11-10T00:00:00+09:00",
      calories: 700,
      proteinG: 20.5,
      carbsG: 80,
      fatG: 20.75,
    });
    // A log without calories counts as a meal, with 0 kcal.
    await logMeal(token, { eatenAt: "2026-11-12T23:59:00+09:00", proteinG: 5 });

    const { status, body, headers } = await getSummary(token, "2026-11-10", "2026-11-12");
    expect(status).toBe(200);
    expect(headers.get("content-type")).toMatch(/^application\/json/);
    expect(body).toEqual({
      timezone: "Asia/Seoul",
      days: [
        {
          date: "2026-11-10",
          meals: 2,
          calories: 1200,
          proteinG: 30.75,
          carbsG: 140.5,
          fatG: 32.75,
          goalCalories: null,
          metGoal: null,
        },
        empty("2026-11-11"),
        {
          date: "2026-11-12",
          meals: 1,
          calories: 0,
          proteinG: 5,
          carbsG: 0,
          fatG: 0,
          goalCalories: null,
          metGoal: null,
        },
      ],
      totals: { meals: 3, calories: 1200, proteinG: 35.75, carbsG: 140.5, fatG: 32.75 },
    });
  });

  it("adds decimal grams exactly (0.1 + 0.2 is 0.3)", async () => {
    const account = await newUser();
    await logMeal(account.accessToken, { eatenAt: "2026-11-20T08:00:00+09:00", proteinG: 0.1, fatG: 0.7 });
    await logMeal(account.accessToken, { eatenAt: "2026-11-20T12:00:00+09:00", proteinG: 0.2, fatG: 0.1 });
    await logMeal(account.accessToken, { eatenAt: "2026-11-21T12:00:00+09:00", proteinG: 0.2, fatG: 0.2 });
    const summary = await summaryOf(account.accessToken, "2026-11-20", "2026-11-21");
    expect(summary.days.map((day) => [day.proteinG, day.fatG])).toEqual([
      [0.3, 0.8],
      [0.2, 0.2],
    ]);
    expect(summary.totals).toMatchObject({ proteinG: 0.5, fatG: 1 });
  });

  it("answers all-zero days for a user without logs, with the user's time zone", async () => {
    const account = await newUser({ timezone: "Europe/Paris" });
    const summary = await summaryOf(account.accessToken, "2026-11-01", "2026-11-03");
    expect(summary).toEqual({
      timezone: "Europe/Paris",
      days: [empty("2026-11-01"), empty("2026-11-02"), empty("2026-11-03")],
      totals: { meals: 0, calories: 0, proteinG: 0, carbsG: 0, fatG: 0 },
    });
  });

  it("answers a single day when from equals to", async () => {
    const account = await newUser();
    await logMeal(account.accessToken, { eatenAt: "2026-11-20T12:00:00+09:00", calories: 321 });
    const summary = await summaryOf(account.accessToken, "2026-11-20", "2026-11-20");
    expect(summary.days).toHaveLength(1);
    expect(summary.days[0]).toMatchObject({ date: "2026-11-20", meals: 1, calories: 321 });
    expect(summary.totals).toMatchObject({ meals: 1, calories: 321 });
  });

  it("accepts 93 days: 93 consecutive entries", async () => {
    const account = await newUser();
    const from = "2026-08-01";
    const to = addDays(from, 92);
    await logMeal(account.accessToken, { eatenAt: `${to}T12:00:00+09:00`, calories: 100 });
    await logMeal(account.accessToken, { eatenAt: `${from}T12:00:00+09:00`, calories: 50 });
    const summary = await summaryOf(account.accessToken, from, to);
    expect(summary.days).toHaveLength(93);
    expect(summary.days.map((day) => day.date)).toEqual(
      Array.from({ length: 93 }, (_, i) => addDays(from, i)),
    );
    expect(summary.days[0]).toMatchObject({ meals: 1, calories: 50 });
    expect(summary.days[92]).toMatchObject({ meals: 1, calories: 100 });
    expect(summary.totals).toMatchObject({ meals: 2, calories: 150 });
  });

  it("walks calendar days across a year end and a leap day", async () => {
    const account = await newUser();
    const newYear = await summaryOf(account.accessToken, "2025-12-30", "2026-01-02");
    expect(newYear.days.map((day) => day.date)).toEqual([
      "2025-12-30",
      "2025-12-31",
      "2026-01-01",
      "2026-01-02",
    ]);
    const leap = await summaryOf(account.accessToken, "2028-02-27", "2028-03-01");
    expect(leap.days.map((day) => day.date)).toEqual([
      "2028-02-27",
      "2028-02-28",
      "2028-02-29",
      "2028-03-01",
    ]);
  });
});

describe("GET /v1/logs/summary: calorie goal", () => {
  it("metGoal: true when something was logged within the goal, false when over or nothing logged", async () => {
    const account = await newUser({ timezone: "Asia/Seoul", goals: { calories: 2000 } });
    const token = account.accessToken;
    await logMeal(token, { eatenAt: "2026-11-10T08:00:00+09:00", calories: 700 });
    await logMeal(token, { eatenAt: "2026-11-10T19:00:00+09:00", calories: 800 });
    await logMeal(token, { eatenAt: "2026-11-11T12:00:00+09:00", calories: 1800 });
    await logMeal(token, { eatenAt: "2026-11-11T19:00:00+09:00", calories: 700 });
    await logMeal(token, { eatenAt: "2026-11-12T12:00:00+09:00", calories: 2000 });
    await logMeal(token, { eatenAt: "2026-11-14T12:00:00+09:00" });

    const summary = await summaryOf(token, "2026-11-10", "2026-11-14");
    expect(summary.days.map((day) => [day.date, day.calories, day.goalCalories, day.metGoal])).toEqual([
      ["2026-11-10", 1500, 2000, true],
      ["2026-11-11", 2500, 2000, false],
      ["2026-11-12", 2000, 2000, true],
      ["2026-11-13", 0, 2000, false],
      // A meal without calories: logged, and nothing over the goal.
      ["2026-11-14", 0, 2000, true],
    ]);
  });

  it("goalCalories and metGoal are null without a calorie goal", async () => {
    const account = await newUser({ goals: { proteinG: 120 } });
    await logMeal(account.accessToken, { eatenAt: "2026-11-10T12:00:00+09:00", calories: 500 });
    const summary = await summaryOf(account.accessToken, "2026-11-10", "2026-11-11");
    expect(summary.days.map((day) => [day.goalCalories, day.metGoal])).toEqual([
      [null, null],
      [null, null],
    ]);
  });

  it("a goal removed again (null) is no goal", async () => {
    const account = await newUser({ goals: { calories: 1800 } });
    await logMeal(account.accessToken, { eatenAt: "2026-11-10T12:00:00+09:00", calories: 500 });
    await updateProfile(account.accessToken, { goals: { calories: null } });
    const summary = await summaryOf(account.accessToken, "2026-11-10", "2026-11-10");
    expect(summary.days[0]).toMatchObject({ goalCalories: null, metGoal: null });
  });
});

describe("GET /v1/logs/summary: invalid ranges", () => {
  it("refuses 94 days with 400 naming `to`", async () => {
    const account = await newUser();
    const { response } = await getSummary(account.accessToken, "2026-08-01", addDays("2026-08-01", 93));
    await expectInvalid(response, "to");
  });

  it("refuses a range that ends before it starts", async () => {
    const account = await newUser();
    const { response } = await getSummary(account.accessToken, "2026-11-10", "2026-11-09");
    await expectInvalid(response, "to");
  });

  it.each([
    ["from missing", undefined, "2026-11-10", "from"],
    ["to missing", "2026-11-10", undefined, "to"],
    ["from not a date", "last week", "2026-11-10", "from"],
    ["to not a day (a timestamp)", "2026-11-10", "2026-11-12T00:00:00Z", "to"],
    ["to an impossible date", "2026-02-27", "2026-02-30", "to"],
    ["from in another format", "11/10/2026", "2026-11-12", "from"],
  ])("refuses %s with 400", async (_what, from, to, path) => {
    const account = await newUser();
    const { response } = await getSummary(account.accessToken, from, to);
    await expectInvalid(response, path);
  });

  it("refuses both missing with 400 naming both", async () => {
    const account = await newUser();
    const { response } = await getSummary(account.accessToken);
    const problem = await expectProblem(response, 400);
    expect(problem.errors?.map((error) => error.path)).toEqual(expect.arrayContaining(["from", "to"]));
  });
});
