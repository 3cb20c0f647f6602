import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildApp } from "../../src/app";
import { boardExists, createChallenge, join, newPlayer, OFFICIAL } from "../helpers/challenges";
import { send } from "../helpers/requests";
import {
  countedRoundTrips,
  databaseRoundTrips,
  type RoundTripTags,
  roundTripTags,
  taggedBindings,
} from "../helpers/round-trips";
import { signUp } from "../helpers/users";
import { eventually } from "../helpers/wait";

// The design's target: a meal log that advances several challenges and awards a badge is still ONE atomic
// database round trip. Counted by the local Neon endpoint under a tag of this test's own.
const ADVANCED = [OFFICIAL.weekStreak, OFFICIAL.veggieFive, OFFICIAL.breakfastClub];

describe("database round trips of a log write", () => {
  it("is one, for a log that advances three challenges and awards a badge", async () => {
    const account = await signUp();
    const tag = roundTripTags();
    const app = buildApp();
    const bindings = { ...env, ...taggedBindings(tag) };
    const call = (path: string, body?: unknown) =>
      app.request(
        `http://localhost${path}`,
        {
          method: "POST",
          headers: { Authorization: `Bearer ${account.accessToken}`, "Content-Type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        },
        bindings,
        createExecutionContext(),
      );
    for (const id of ADVANCED) expect((await call(`/v1/challenges/${id}/join`)).status).toBe(201);

    const before = await databaseRoundTrips(tag);
    const response = await call("/v1/logs", {
      mealType: "breakfast",
      eatenAt: new Date().toISOString(),
      title: "Vegetable porridge",
      tags: ["vegetable"],
    });
    expect(response.status).toBe(201);
    const { events } = await response.json<{
      events: { type: string; challengeId?: string; badge?: { code: string } }[];
    }>();
    const advanced = events
      .filter((event) => event.type === "challenge_progress")
      .map((event) => event.challengeId);
    expect(advanced.sort()).toEqual([...ADVANCED].sort());
    expect(
      events.filter((event) => event.type === "badge_awarded").map((event) => event.badge?.code),
    ).toEqual(["first_log"]);
    expect((await databaseRoundTrips(tag)) - before).toBe(1);
  });

  it("is one for an idempotent challenge creation, and one for its replay", async () => {
    const account = await signUp();
    const tag = roundTripTags();
    const bindings = { ...env, ...taggedBindings(tag) };
    const app = buildApp();
    const startsAt = new Date(Date.now() + 86_400_000).toISOString();
    const create = () =>
      app.request(
        "http://localhost/v1/challenges",
        {
          method: "POST",
          headers: {
            Authorization: `Bearer ${account.accessToken}`,
            "Content-Type": "application/json",
            "Idempotency-Key": `rt-${tag.db}`,
          },
          body: JSON.stringify({
            title: "Round trips",
            description: "",
            rule: { type: "log_days", target: 3 },
            startsAt,
          }),
        },
        bindings,
        createExecutionContext(),
      );
    const before = await databaseRoundTrips(tag);
    expect((await create()).status).toBe(201);
    expect((await databaseRoundTrips(tag)) - before).toBe(1);
    const replay = await create();
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect((await databaseRoundTrips(tag)) - before).toBe(2);
  });
});

describe("round trips of a leaderboard read", () => {
  it("cold: 1 database round trip, the rebuild after it 1 more and 2 Redis; warm: 1 Redis, no database", async () => {
    const player = await newPlayer();
    const challenge = await createChallenge(player.accessToken);
    await join(player.accessToken, challenge.id);
    const read = (tag: RoundTripTags) =>
      send(
        { path: `/v1/challenges/${challenge.id}/leaderboard?limit=10`, token: player.accessToken },
        taggedBindings(tag),
      );

    const cold = roundTripTags();
    expect((await read(cold)).status).toBe(200);
    await eventually(() => boardExists(challenge.id));
    // READ beside the database read; then the rebuild: its lock, one page, the page with the swap.
    await eventually(async () => expect(await countedRoundTrips(cold)).toEqual({ db: 2, redis: 3 }));

    const warm = roundTripTags();
    expect((await read(warm)).status).toBe(200);
    expect(await countedRoundTrips(warm)).toEqual({ db: 0, redis: 1 });
  });
});
