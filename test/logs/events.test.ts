import { describe, expect, it } from "vitest";
import { ISO_UTC } from "../helpers/db";
import { deleteLog, logMeal, patchLog, postLog, validLog } from "../helpers/logs";
import { newUser } from "../helpers/users";

const firstLogEvent = {
  type: "badge_awarded",
  badge: {
    code: "first_log",
    name: expect.any(String),
    description: expect.any(String),
    icon: expect.any(String),
    earnedAt: expect.stringMatching(ISO_UTC),
  },
};

const firstLogEvents = (events: { type: string; badge?: { code: string } }[]) =>
  events.filter((event) => event.type === "badge_awarded" && event.badge?.code === "first_log");

describe("write events: the first_log badge", () => {
  it("the first log of a fresh user returns exactly one badge_awarded event, first_log", async () => {
    const account = await newUser();
    const { events } = await logMeal(account.accessToken);
    expect(events.filter((event) => event.type === "badge_awarded")).toEqual([firstLogEvent]);
    // A fresh user is in no challenge: the badge is all this write caused.
    expect(events).toEqual([firstLogEvent]);
  });

  it("later logs do not repeat it", async () => {
    const account = await newUser();
    await logMeal(account.accessToken, { eatenAt: "2026-11-20T08:00:00+09:00" });
    for (const eatenAt of ["2026-11-20T12:00:00+09:00", "2026-11-20T19:00:00+09:00"]) {
      const { events } = await logMeal(account.accessToken, { eatenAt });
      expect(firstLogEvents(events)).toEqual([]);
      expect(events).toEqual([]);
    }
  });

  it("edits do not award it again", async () => {
    const account = await newUser();
    const { log } = await logMeal(account.accessToken);
    const { status, body } = await patchLog(account.accessToken, log.id, { calories: 300 });
    expect(status).toBe(200);
    expect(body.events).toEqual([]);
  });

  it("is earned once: deleting every log and logging again does not award it again", async () => {
    const account = await newUser();
    const first = await logMeal(account.accessToken);
    expect(firstLogEvents(first.events)).toHaveLength(1);
    expect((await deleteLog(account.accessToken, first.log.id)).status).toBe(204);
    const again = await logMeal(account.accessToken);
    expect(firstLogEvents(again.events)).toEqual([]);
  });

  it("concurrent first logs award it exactly once", async () => {
    const account = await newUser();
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => postLog(account.accessToken, validLog({ title: `Meal ${i}` }))),
    );
    expect(results.map((result) => result.status)).toEqual([201, 201, 201, 201, 201]);
    const awarded = results.flatMap((result) => firstLogEvents(result.body.events));
    expect(awarded).toEqual([firstLogEvent]);
  });

  it("each user earns their own", async () => {
    const alice = await newUser();
    const bob = await newUser();
    expect(firstLogEvents((await logMeal(alice.accessToken)).events)).toHaveLength(1);
    expect(firstLogEvents((await logMeal(bob.accessToken)).events)).toHaveLength(1);
  });
});
