import { describe, expect, it } from "vitest";
import { base64UrlJson } from "../helpers/auth";
import {
  type Challenge,
  createChallenge,
  join,
  listedIn,
  newPlayer,
  OFFICIAL,
  scanChallenges,
} from "../helpers/challenges";
import { DAYS, fromNow } from "../helpers/dates";
import { unknownId } from "../helpers/db";
import { callJson, expectProblem } from "../helpers/http";

describe("GET /v1/challenges", () => {
  it("status=active|upcoming|ended put each of the caller's challenges in exactly one list", async () => {
    const u = await newPlayer();
    const active = await createChallenge(u.accessToken, {
      startsAt: fromNow(-60_000),
      endsAt: fromNow(DAYS),
    });
    const openEnded = await createChallenge(u.accessToken, { startsAt: fromNow(-30_000), endsAt: null });
    const upcoming = await createChallenge(u.accessToken, {
      startsAt: fromNow(3 * DAYS),
      endsAt: fromNow(4 * DAYS),
    });
    const ended = await createChallenge(u.accessToken, {
      startsAt: fromNow(-2 * DAYS),
      endsAt: fromNow(-DAYS),
    });
    const expected: [Challenge, string][] = [
      [active, "active"],
      [openEnded, "active"],
      [upcoming, "upcoming"],
      [ended, "ended"],
    ];
    for (const [challenge, status] of expected) {
      for (const filter of ["active", "upcoming", "ended"]) {
        const found = await listedIn(u.accessToken, { status: filter }, challenge);
        expect(found.length, `${challenge.title} in status=${filter}`).toBe(filter === status ? 1 : 0);
        if (found.length) expect(found[0]).toEqual(challenge);
      }
      expect(await listedIn(u.accessToken, {}, challenge)).toHaveLength(1);
    }
  });

  it("the official challenges are active and carry their badges", async () => {
    const u = await newPlayer();
    const { items } = await scanChallenges(u.accessToken, { status: "active", limit: "100" }, (seen) =>
      Object.values(OFFICIAL).every((id) => seen.some((item) => item.id === id)),
    );
    for (const id of Object.values(OFFICIAL)) {
      const official = items.find((item) => item.id === id);
      expect(official).toMatchObject({
        official: true,
        createdBy: null,
        badge: { code: expect.any(String) },
        joined: false,
      });
    }
  });

  it("joined=true lists exactly the caller's joined challenges, with their progress; joined=false the others", async () => {
    const u = await newPlayer();
    const mine = await createChallenge(u.accessToken);
    const notJoined = await createChallenge(u.accessToken);
    await join(u.accessToken, mine.id);
    await join(u.accessToken, OFFICIAL.veggieFive);

    const { items } = await scanChallenges(u.accessToken, { joined: "true", limit: "100" });
    expect(items.map((item) => item.id).sort()).toEqual([mine.id, OFFICIAL.veggieFive].sort());
    for (const item of items) {
      expect(item.joined).toBe(true);
      expect(item.progress).toMatchObject({ current: 0, completed: false, completedAt: null });
    }
    const active = await scanChallenges(u.accessToken, { joined: "true", status: "active", limit: "100" });
    expect(active.items).toHaveLength(2);
    const ended = await scanChallenges(u.accessToken, { joined: "true", status: "ended", limit: "100" });
    expect(ended.items).toEqual([]);

    const others = await listedIn(u.accessToken, { joined: "false" }, notJoined);
    expect(others).toHaveLength(1);
    expect(others[0]).toMatchObject({ joined: false, progress: null });
    expect(await listedIn(u.accessToken, { joined: "false" }, mine)).toEqual([]);

    // Another user's joined list is not affected by u's joins.
    const other = await newPlayer();
    expect((await scanChallenges(other.accessToken, { joined: "true" })).items).toEqual([]);
  });

  it("cursor pages visit each of the caller's challenges exactly once, newest start first", async () => {
    const u = await newPlayer();
    // Far in the future, so these come first in the list; two share a start (ties broken by id).
    const base = Date.parse("2099-06-01T00:00:00Z") + Math.floor(Math.random() * 1e9) * 1000;
    const starts = [0, 1, 1, 2, 3, 5, 8].map((hours) => new Date(base + hours * 3600_000).toISOString());
    const created: Challenge[] = [];
    for (const startsAt of starts)
      created.push(await createChallenge(u.accessToken, { startsAt, endsAt: null }));
    const ids = new Set(created.map((challenge) => challenge.id));

    for (const query of [{ limit: "2" }, { limit: "3", status: "upcoming" }] as Record<string, string>[]) {
      const { items, pages } = await scanChallenges(u.accessToken, query, (seen) =>
        created.every((challenge) => seen.some((item) => item.id === challenge.id)),
      );
      const everyId = items.map((item) => item.id);
      expect(new Set(everyId).size, "no challenge on two pages").toBe(everyId.length);
      for (const page of pages) expect(page.length).toBeLessThanOrEqual(Number(query.limit));
      const mine = items.filter((item) => ids.has(item.id));
      expect(mine).toHaveLength(created.length);
      // Newest start first across pages; equal starts by id, descending.
      const order = [...created].sort((a, b) =>
        a.startsAt === b.startsAt ? (a.id < b.id ? 1 : -1) : Date.parse(b.startsAt) - Date.parse(a.startsAt),
      );
      expect(mine.map((item) => item.id)).toEqual(order.map((challenge) => challenge.id));
      for (let i = 1; i < items.length; i++) {
        expect(Date.parse(items[i - 1]!.startsAt)).toBeGreaterThanOrEqual(Date.parse(items[i]!.startsAt));
      }
    }
  });

  it("invalid filters and cursors are 400", async () => {
    const u = await newPlayer();
    for (const query of ["status=over", "joined=yes", "limit=0", "limit=101", "cursor=%%%", "cursor=abc"]) {
      const { response } = await callJson(`/v1/challenges?${query}`, { token: u.accessToken });
      await expectProblem(response, 400);
    }
    const wrongShape = base64UrlJson({ eatenAt: "2026-01-01T00:00:00Z", id: unknownId() });
    await expectProblem(
      (await callJson(`/v1/challenges?cursor=${wrongShape}`, { token: u.accessToken })).response,
      400,
    );
    const notUuid = base64UrlJson({ startsAt: "2026-01-01T00:00:00Z", id: "x" });
    await expectProblem(
      (await callJson(`/v1/challenges?cursor=${notUuid}`, { token: u.accessToken })).response,
      400,
    );
  });

  // Found as a 500 (Date.parse accepted "2026-02-30", PostgreSQL's ::timestamptz did not); the
  // cursor is now validated as a whole (src/lib/cursor.ts). Whatever its keys, a tampered one is 400.
  it("a cursor with a date JavaScript rolls over but PostgreSQL rejects is 400, never 500", async () => {
    const u = await newPlayer();
    for (const position of [
      { startsAt: "2026-02-30T00:00:00Z", id: unknownId() },
      { at: "2026-02-30T00:00:00Z", id: unknownId() },
      { at: "1", id: unknownId() },
      { at: "2026-01-01T00:00:00Z", id: "x" },
    ]) {
      const { response } = await callJson(`/v1/challenges?cursor=${base64UrlJson(position)}`, {
        token: u.accessToken,
      });
      await expectProblem(response, 400);
    }
  });
});
