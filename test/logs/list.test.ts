import { describe, expect, it } from "vitest";
import { base64UrlJson } from "../helpers/auth";
import { unknownId } from "../helpers/db";
import { allPages, expectInvalid, listedIds, listLogs, logMany, logMeal, newestFirst } from "../helpers/logs";
import { newUser } from "../helpers/users";

const HOUR = 3_600_000;
/** The i-th of a run of distinct instants, one hour apart, going back from a fixed past time. */
const hourBack = (i: number) => new Date(Date.parse("2026-11-20T12:00:00Z") - i * HOUR).toISOString();

describe("GET /v1/logs: happy path", () => {
  it("answers an empty page for a user without logs", async () => {
    const account = await newUser();
    const { status, body } = await listLogs(account.accessToken);
    expect(status).toBe(200);
    expect(body).toEqual({ items: [], nextCursor: null });
  });

  it("lists newest eatenAt first, whatever the order of creation or the offsets sent", async () => {
    const account = await newUser();
    const token = account.accessToken;
    const middle = await logMeal(token, { title: "middle", eatenAt: "2026-11-20T12:00:00+09:00" });
    const oldest = await logMeal(token, { title: "oldest", eatenAt: "2026-11-18T08:00:00+09:00" });
    // 03:30Z on the 20th: later than "middle" (03:00Z), though its wall-clock reads 22:30 of the 19th.
    const newest = await logMeal(token, { title: "newest", eatenAt: "2026-11-19T22:30:00-05:00" });
    const { status, body } = await listLogs(token);
    expect(status).toBe(200);
    expect(body.items.map((log) => log.title)).toEqual(["newest", "middle", "oldest"]);
    expect(body.items).toEqual([newest.log, middle.log, oldest.log]);
    expect(body.nextCursor).toBeNull();
  });

  it("pages 25 logs with limit=10: 10, 10, 5, each exactly once, nextCursor null at the end", async () => {
    const account = await newUser();
    const logs = await logMany(account.accessToken, 25, (i) => ({ eatenAt: hourBack((i * 7) % 25) }));
    const pages = await allPages(account.accessToken, { limit: 10 });
    expect(pages.map((page) => page.items.length)).toEqual([10, 10, 5]);
    expect(pages.slice(0, 2).every((page) => typeof page.nextCursor === "string")).toBe(true);
    expect(pages[2]!.nextCursor).toBeNull();
    const seen = pages.flatMap((page) => page.items);
    expect(new Set(seen.map((log) => log.id)).size).toBe(25);
    expect(seen).toEqual(newestFirst(logs));
  });

  it("pages 25 logs that share the SAME eatenAt: each exactly once", async () => {
    const account = await newUser();
    const logs = await logMany(account.accessToken, 25, () => ({ eatenAt: "2026-11-20T12:00:00+09:00" }));
    const pages = await allPages(account.accessToken, { limit: 10 });
    expect(pages.map((page) => page.items.length)).toEqual([10, 10, 5]);
    expect(pages[2]!.nextCursor).toBeNull();
    const seen = pages.flatMap((page) => page.items.map((log) => log.id));
    expect(new Set(seen).size).toBe(25);
    expect(seen.sort()).toEqual(logs.map((log) => log.id).sort());
  });

  it("pages a mix of shared and distinct times without losing or repeating a log (limit=3)", async () => {
    const account = await newUser();
    const logs = await logMany(account.accessToken, 11, (i) => ({ eatenAt: hourBack(Math.floor(i / 4)) }));
    const pages = await allPages(account.accessToken, { limit: 3 });
    expect(pages.map((page) => page.items.length)).toEqual([3, 3, 3, 2]);
    expect(pages.flatMap((page) => page.items)).toEqual(newestFirst(logs));
  });

  it("stops with nextCursor null when the last page is exactly full", async () => {
    const account = await newUser();
    await logMany(account.accessToken, 10, (i) => ({ eatenAt: hourBack(i) }));
    const pages = await allPages(account.accessToken, { limit: 5 });
    expect(pages.map((page) => page.items.length)).toEqual([5, 5]);
    expect(pages[1]!.nextCursor).toBeNull();
  });

  it("keeps later pages stable when a newer log is added between pages", async () => {
    const account = await newUser();
    const logs = await logMany(account.accessToken, 6, (i) => ({ eatenAt: hourBack(i + 1) }));
    const first = await listLogs(account.accessToken, { limit: 3 });
    await logMeal(account.accessToken, { title: "newer", eatenAt: hourBack(0) });
    const second = await listLogs(account.accessToken, { limit: 3, cursor: first.body.nextCursor! });
    const seen = [...first.body.items, ...second.body.items];
    expect(seen).toEqual(newestFirst(logs));
    expect(second.body.nextCursor).toBeNull();
  });

  it("defaults to 20 per page", async () => {
    const account = await newUser();
    await logMany(account.accessToken, 21, (i) => ({ eatenAt: hourBack(i) }));
    const { body } = await listLogs(account.accessToken);
    expect(body.items).toHaveLength(20);
    expect(body.nextCursor).toEqual(expect.any(String));
  });

  it.each([1, 100])("accepts limit=%i", async (limit) => {
    const account = await newUser();
    await logMany(account.accessToken, 2, (i) => ({ eatenAt: hourBack(i) }));
    const { status, body } = await listLogs(account.accessToken, { limit });
    expect(status).toBe(200);
    expect(body.items).toHaveLength(Math.min(limit, 2));
  });
});

describe("GET /v1/logs: filters", () => {
  it("from/to are inclusive days of the user's zone (not UTC days)", async () => {
    const account = await newUser({ timezone: "Asia/Seoul" });
    const token = account.accessToken;
    const before = await logMeal(token, { title: "before", eatenAt: "2026-11-09T23:30:00+09:00" });
    // 15:10Z on the 9th, but the 10th in Seoul.
    const first = await logMeal(token, { title: "first", eatenAt: "2026-11-10T00:10:00+09:00" });
    const mid = await logMeal(token, { title: "mid", eatenAt: "2026-11-12T12:00:00+09:00" });
    const last = await logMeal(token, { title: "last", eatenAt: "2026-11-12T23:59:00+09:00" });
    // 15:30Z on the 12th, but the 13th in Seoul.
    const after = await logMeal(token, { title: "after", eatenAt: "2026-11-13T00:30:00+09:00" });

    expect(await listedIds(token, { from: "2026-11-10", to: "2026-11-12" })).toEqual([
      last.log.id,
      mid.log.id,
      first.log.id,
    ]);
    expect(await listedIds(token, { from: "2026-11-12" })).toEqual([after.log.id, last.log.id, mid.log.id]);
    expect(await listedIds(token, { to: "2026-11-10" })).toEqual([first.log.id, before.log.id]);
    expect(await listedIds(token, { from: "2026-11-11", to: "2026-11-11" })).toEqual([]);
    expect(await listedIds(token, { from: "2026-11-13", to: "2026-11-13" })).toEqual([after.log.id]);
  });

  it("mealType keeps only that meal type", async () => {
    const account = await newUser();
    const token = account.accessToken;
    const early = await logMeal(token, { mealType: "breakfast", eatenAt: "2026-11-20T07:00:00+09:00" });
    await logMeal(token, { mealType: "lunch", eatenAt: "2026-11-20T12:00:00+09:00" });
    const late = await logMeal(token, { mealType: "breakfast", eatenAt: "2026-11-21T07:00:00+09:00" });
    await logMeal(token, { mealType: "dinner", eatenAt: "2026-11-21T19:00:00+09:00" });
    expect(await listedIds(token, { mealType: "breakfast" })).toEqual([late.log.id, early.log.id]);
    expect(await listedIds(token, { mealType: "snack" })).toEqual([]);
  });

  it("tag keeps the logs that carry that exact tag", async () => {
    const account = await newUser();
    const token = account.accessToken;
    const veg = await logMeal(token, { tags: ["vegetable"], eatenAt: hourBack(3) });
    const both = await logMeal(token, { tags: ["homemade", "vegetable"], eatenAt: hourBack(2) });
    const home = await logMeal(token, { tags: ["homemade"], eatenAt: hourBack(1) });
    await logMeal(token, { tags: [], eatenAt: hourBack(0) });
    expect(await listedIds(token, { tag: "vegetable" })).toEqual([both.log.id, veg.log.id]);
    expect(await listedIds(token, { tag: "homemade" })).toEqual([home.log.id, both.log.id]);
    expect(await listedIds(token, { tag: "veg" })).toEqual([]);
    expect(await listedIds(token, { tag: "fruit" })).toEqual([]);
  });

  it("combines filters, and pages through filtered results", async () => {
    const account = await newUser();
    const token = account.accessToken;
    const logs = await logMany(token, 20, (i) => ({
      eatenAt: hourBack(i),
      mealType: i % 4 === 0 ? "dinner" : "snack",
      tags: i % 2 === 0 ? ["vegetable"] : ["fruit"],
    }));
    const vegetable = newestFirst(logs.filter((log) => log.tags.includes("vegetable")));
    const pages = await allPages(token, { tag: "vegetable", limit: 4 });
    expect(pages.map((page) => page.items.length)).toEqual([4, 4, 2]);
    expect(pages.flatMap((page) => page.items)).toEqual(vegetable);

    const vegetableDinners = vegetable.filter((log) => log.mealType === "dinner").map((log) => log.id);
    expect(vegetableDinners).toHaveLength(5);
    expect(await listedIds(token, { tag: "vegetable", mealType: "dinner", limit: 2 })).toEqual(
      vegetableDinners,
    );
    expect(await listedIds(token, { tag: "fruit", mealType: "dinner" })).toEqual([]);
  });
});

describe("GET /v1/logs: invalid queries", () => {
  it.each(["0", "101", "-1", "abc", "1.5"])("refuses limit=%s with 400", async (limit) => {
    const account = await newUser();
    const { response } = await listLogs(account.accessToken, { limit });
    await expectInvalid(response, "limit");
  });

  it.each([
    ["mealType", "brunch"],
    ["tag", "Vegetable"],
    ["tag", "a".repeat(33)],
    ["from", "2026-13-01"],
    ["to", "yesterday"],
    ["from", "2026-11-20T00:00:00Z"],
  ])("refuses %s=%s with 400", async (name, value) => {
    const account = await newUser();
    const { response } = await listLogs(account.accessToken, { [name]: value });
    await expectInvalid(response, name);
  });
});

describe("GET /v1/logs: tampered cursors are 400, never 500", () => {
  const tampered: [string, string][] = [
    ["random text", "garbage!!"],
    ["base64 of text that is not JSON", btoa("not json at all")],
    ["JSON without an id", base64UrlJson({ eatenAt: "2026-11-20T00:00:00Z" })],
    ["JSON with numbers", base64UrlJson({ eatenAt: 1, id: 2 })],
    ["JSON with an unparsable time", base64UrlJson({ eatenAt: "tomorrow-ish", id: unknownId() })],
    ["a cursor longer than 500 characters", "A".repeat(501)],
  ];

  it.each(tampered)("%s", async (_label, cursor) => {
    const account = await newUser();
    await logMeal(account.accessToken);
    const { response } = await listLogs(account.accessToken, { cursor });
    await expectInvalid(response, "cursor");
  });

  it("a cursor cut short", async () => {
    const account = await newUser();
    await logMany(account.accessToken, 3, (i) => ({ eatenAt: hourBack(i) }));
    const { body } = await listLogs(account.accessToken, { limit: 1 });
    const { response } = await listLogs(account.accessToken, { cursor: body.nextCursor!.slice(0, 9) });
    await expectInvalid(response, "cursor");
  });

  // Every part of a decoded cursor is validated before it reaches a SQL cast.
  it("JSON whose id is not a uuid", async () => {
    const account = await newUser();
    await logMeal(account.accessToken);
    const cursor = base64UrlJson({ at: "2026-11-20T00:00:00.000Z", id: "x" });
    const { response } = await listLogs(account.accessToken, { cursor });
    await expectInvalid(response, "cursor");
  });

  it("JSON whose time JavaScript parses but PostgreSQL does not", async () => {
    const account = await newUser();
    await logMeal(account.accessToken);
    // Date.parse("1") is a valid time in V8 (year 2001); "1"::timestamptz is a PostgreSQL error.
    const cursor = base64UrlJson({ at: "1", id: unknownId() });
    const { response } = await listLogs(account.accessToken, { cursor });
    await expectInvalid(response, "cursor");
  });
});
