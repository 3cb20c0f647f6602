import { describe, expect, it } from "vitest";
import { dayOf, getLog, listedIds, logMeal, patchLog, summaryOf } from "../helpers/logs";
import { newUser, updateProfile } from "../helpers/users";

/** The localDate the API gives a meal eaten at `eatenAt` by `token`'s user. */
const localDateOf = async (token: string, eatenAt: string) =>
  (await logMeal(token, { eatenAt })).log.localDate;

describe("local days: Asia/Seoul", () => {
  it("23:30 KST counts for that Seoul day, though UTC already says it is the same day's afternoon", async () => {
    const account = await newUser({ timezone: "Asia/Seoul" });
    expect(await localDateOf(account.accessToken, "2026-11-20T23:30:00+09:00")).toBe("2026-11-20");
  });

  it("00:30 KST counts for the next Seoul day, though in UTC it is still the day before", async () => {
    const account = await newUser({ timezone: "Asia/Seoul" });
    // 2026-11-20T15:30Z: the 20th in UTC, the 21st in Seoul.
    expect(await localDateOf(account.accessToken, "2026-11-21T00:30:00+09:00")).toBe("2026-11-21");
  });

  it("the day comes from the user's zone, not from the offset the client sent", async () => {
    const account = await newUser({ timezone: "Asia/Seoul" });
    // Both are 15:30Z on the 20th: 00:30 on the 21st in Seoul.
    expect(await localDateOf(account.accessToken, "2026-11-20T15:30:00Z")).toBe("2026-11-21");
    expect(await localDateOf(account.accessToken, "2026-11-20T10:30:00-05:00")).toBe("2026-11-21");
    // 14:30Z: 23:30 on the 20th in Seoul, whatever the sender's wall clock said (the 21st in Kiritimati).
    expect(await localDateOf(account.accessToken, "2026-11-21T04:30:00+14:00")).toBe("2026-11-20");
  });

  it("list filters and the summary use the stored Seoul day", async () => {
    const account = await newUser({ timezone: "Asia/Seoul" });
    const token = account.accessToken;
    const late = await logMeal(token, { eatenAt: "2026-11-20T23:30:00+09:00", calories: 300 });
    const early = await logMeal(token, { eatenAt: "2026-11-21T00:30:00+09:00", calories: 200 });
    expect(await listedIds(token, { from: "2026-11-20", to: "2026-11-20" })).toEqual([late.log.id]);
    expect(await listedIds(token, { from: "2026-11-21", to: "2026-11-21" })).toEqual([early.log.id]);
    const summary = await summaryOf(token, "2026-11-20", "2026-11-21");
    expect(dayOf(summary, "2026-11-20")).toMatchObject({ meals: 1, calories: 300 });
    expect(dayOf(summary, "2026-11-21")).toMatchObject({ meals: 1, calories: 200 });
  });
});

describe("local days: America/New_York across DST", () => {
  it("2026-03-08 is a 23-hour day: its first and last half hours both count for it", async () => {
    const account = await newUser({ timezone: "America/New_York" });
    const token = account.accessToken;
    expect(await localDateOf(token, "2026-03-07T23:30:00-05:00")).toBe("2026-03-07");
    expect(await localDateOf(token, "2026-03-08T00:30:00-05:00")).toBe("2026-03-08");
    expect(await localDateOf(token, "2026-03-08T01:59:00-05:00")).toBe("2026-03-08");
    // 02:00 EST does not exist: the clock jumps to 03:00 EDT.
    expect(await localDateOf(token, "2026-03-08T03:00:00-04:00")).toBe("2026-03-08");
    expect(await localDateOf(token, "2026-03-08T23:30:00-04:00")).toBe("2026-03-08");
    expect(await localDateOf(token, "2026-03-09T00:30:00-04:00")).toBe("2026-03-09");
  });

  it("2026-03-08 23:30 EDT is the 9th in UTC and still the 8th for the user", async () => {
    const account = await newUser({ timezone: "America/New_York" });
    expect(await localDateOf(account.accessToken, "2026-03-09T03:30:00Z")).toBe("2026-03-08");
  });

  it("2026-11-01 is a 25-hour day: 00:30 EDT, both 01:30s and 23:30 EST all count for it", async () => {
    const account = await newUser({ timezone: "America/New_York" });
    const token = account.accessToken;
    expect(await localDateOf(token, "2026-10-31T23:30:00-04:00")).toBe("2026-10-31");
    expect(await localDateOf(token, "2026-11-01T00:30:00-04:00")).toBe("2026-11-01");
    expect(await localDateOf(token, "2026-11-01T01:30:00-04:00")).toBe("2026-11-01");
    expect(await localDateOf(token, "2026-11-01T01:30:00-05:00")).toBe("2026-11-01");
    expect(await localDateOf(token, "2026-11-01T23:30:00-05:00")).toBe("2026-11-01");
    expect(await localDateOf(token, "2026-11-02T00:30:00-05:00")).toBe("2026-11-02");
  });

  it("2026-11-01 23:30 EST is the 2nd in UTC and still the 1st for the user", async () => {
    const account = await newUser({ timezone: "America/New_York" });
    expect(await localDateOf(account.accessToken, "2026-11-02T04:30:00Z")).toBe("2026-11-01");
  });

  it("the summary shows one entry per DST day, holding all of that day's meals", async () => {
    const account = await newUser({ timezone: "America/New_York" });
    const token = account.accessToken;
    for (const eatenAt of [
      "2026-11-01T00:30:00-04:00",
      "2026-11-01T01:30:00-04:00",
      "2026-11-01T01:30:00-05:00",
      "2026-11-01T23:30:00-05:00",
    ]) {
      await logMeal(token, { eatenAt, calories: 100 });
    }
    await logMeal(token, { eatenAt: "2026-03-08T00:30:00-05:00", calories: 50 });
    await logMeal(token, { eatenAt: "2026-03-08T23:30:00-04:00", calories: 50 });

    const fall = await summaryOf(token, "2026-10-31", "2026-11-02");
    expect(fall.timezone).toBe("America/New_York");
    expect(fall.days.map((day) => [day.date, day.meals, day.calories])).toEqual([
      ["2026-10-31", 0, 0],
      ["2026-11-01", 4, 400],
      ["2026-11-02", 0, 0],
    ]);
    const spring = await summaryOf(token, "2026-03-07", "2026-03-09");
    expect(spring.days.map((day) => [day.date, day.meals, day.calories])).toEqual([
      ["2026-03-07", 0, 0],
      ["2026-03-08", 2, 100],
      ["2026-03-09", 0, 0],
    ]);
  });
});

describe("local days: the ends of the world (UTC+14 and UTC-11)", () => {
  it("one instant lands on days two calendar days apart", async () => {
    const kiritimati = await newUser({ timezone: "Pacific/Kiritimati" });
    const pagoPago = await newUser({ timezone: "Pacific/Pago_Pago" });
    const instant = "2026-06-15T10:30:00Z";
    // 00:30 on the 16th at UTC+14; 23:30 on the 14th at UTC-11.
    const east = await logMeal(kiritimati.accessToken, { eatenAt: instant });
    const west = await logMeal(pagoPago.accessToken, { eatenAt: instant });
    expect(east.log.eatenAt).toBe(west.log.eatenAt);
    expect(east.log.localDate).toBe("2026-06-16");
    expect(west.log.localDate).toBe("2026-06-14");
    expect(await listedIds(kiritimati.accessToken, { from: "2026-06-16", to: "2026-06-16" })).toEqual([
      east.log.id,
    ]);
    expect(await listedIds(pagoPago.accessToken, { from: "2026-06-14", to: "2026-06-14" })).toEqual([
      west.log.id,
    ]);
  });

  it("UTC+14: 23:59 and 00:00 local are different days", async () => {
    const account = await newUser({ timezone: "Pacific/Kiritimati" });
    expect(await localDateOf(account.accessToken, "2026-06-15T09:59:00Z")).toBe("2026-06-15");
    expect(await localDateOf(account.accessToken, "2026-06-15T10:00:00Z")).toBe("2026-06-16");
  });

  it("UTC-11: 23:59 and 00:00 local are different days", async () => {
    const account = await newUser({ timezone: "Pacific/Pago_Pago" });
    expect(await localDateOf(account.accessToken, "2026-06-15T10:59:00Z")).toBe("2026-06-14");
    expect(await localDateOf(account.accessToken, "2026-06-15T11:00:00Z")).toBe("2026-06-15");
  });
});

describe("local days: dayStartHour", () => {
  it("with 4, a 02:00 snack counts for the day before and 04:00 for the same day", async () => {
    const account = await newUser({ timezone: "Asia/Seoul", dayStartHour: 4 });
    const token = account.accessToken;
    expect(await localDateOf(token, "2026-05-09T23:30:00+09:00")).toBe("2026-05-09");
    expect(await localDateOf(token, "2026-05-10T02:00:00+09:00")).toBe("2026-05-09");
    expect(await localDateOf(token, "2026-05-10T03:59:00+09:00")).toBe("2026-05-09");
    expect(await localDateOf(token, "2026-05-10T04:00:00+09:00")).toBe("2026-05-10");
    const summary = await summaryOf(token, "2026-05-09", "2026-05-10");
    expect(summary.days.map((day) => [day.date, day.meals])).toEqual([
      ["2026-05-09", 3],
      ["2026-05-10", 1],
    ]);
  });

  it("with the default 0, a 02:00 snack counts for its own calendar day", async () => {
    const account = await newUser({ timezone: "Asia/Seoul" });
    expect(await localDateOf(account.accessToken, "2026-05-10T02:00:00+09:00")).toBe("2026-05-10");
  });

  it("applies in the user's zone across DST too (New York, 6)", async () => {
    const account = await newUser({ timezone: "America/New_York", dayStartHour: 6 });
    // 05:30 EST on the 1st of November: still the night of October 31st.
    expect(await localDateOf(account.accessToken, "2026-11-01T05:30:00-05:00")).toBe("2026-10-31");
    expect(await localDateOf(account.accessToken, "2026-11-01T06:00:00-05:00")).toBe("2026-11-01");
  });
});

describe("local days: profile changes do not move history", () => {
  it("a time-zone change keeps existing logs' localDate; new writes and eatenAt edits use the new zone", async () => {
    const account = await newUser({ timezone: "Asia/Seoul" });
    const token = account.accessToken;
    // 23:00Z on the 9th: the 10th in Seoul, the 9th in Los Angeles.
    const old = await logMeal(token, { eatenAt: "2026-05-10T08:00:00+09:00", calories: 500 });
    expect(old.log.localDate).toBe("2026-05-10");

    await updateProfile(token, { timezone: "America/Los_Angeles" });

    expect((await getLog(token, old.log.id)).body).toEqual(old.log);
    expect(await listedIds(token, { from: "2026-05-10", to: "2026-05-10" })).toEqual([old.log.id]);
    expect(dayOf(await summaryOf(token, "2026-05-09", "2026-05-10"), "2026-05-10")).toMatchObject({
      meals: 1,
      calories: 500,
    });

    // Editing anything else keeps the day.
    const retitled = await patchLog(token, old.log.id, { title: "Renamed", calories: 450 });
    expect(retitled.body.log.localDate).toBe("2026-05-10");

    // The same instant logged now counts for the Los Angeles day.
    const fresh = await logMeal(token, { eatenAt: "2026-05-10T08:00:00+09:00" });
    expect(fresh.log.localDate).toBe("2026-05-09");

    // A new eatenAt is placed with the zone the user has now.
    const moved = await patchLog(token, old.log.id, { eatenAt: "2026-05-10T08:30:00+09:00" });
    expect(moved.status).toBe(200);
    expect(moved.body.log.localDate).toBe("2026-05-09");
    expect(await listedIds(token, { from: "2026-05-10", to: "2026-05-10" })).toEqual([]);
  });

  it("a dayStartHour change keeps existing logs' localDate; new writes use the new day start", async () => {
    const account = await newUser({ timezone: "Asia/Seoul" });
    const token = account.accessToken;
    const old = await logMeal(token, { eatenAt: "2026-05-10T02:00:00+09:00" });
    expect(old.log.localDate).toBe("2026-05-10");

    await updateProfile(token, { dayStartHour: 4 });

    expect((await getLog(token, old.log.id)).body.localDate).toBe("2026-05-10");
    expect((await logMeal(token, { eatenAt: "2026-05-10T02:00:00+09:00" })).log.localDate).toBe("2026-05-09");
    const moved = await patchLog(token, old.log.id, { eatenAt: "2026-05-10T02:30:00+09:00" });
    expect(moved.body.log.localDate).toBe("2026-05-09");
  });
});
