import { describe, expect, it } from "vitest";
import { insertFood } from "../helpers/foods";
import { call as callWorker } from "../helpers/http";
import { databaseRoundTrips, roundTripTags, taggedBindings } from "../helpers/round-trips";
import { signUp } from "../helpers/users";

// A log built from foods resolves and sums them in the write's own statement: still ONE database
// round trip, like any log write; recent foods are one too. Counted by the local Neon endpoint
// under a tag of this test's own.

describe("database round trips with items", () => {
  it("is one for POST /v1/logs with items, one for a PATCH with items, one for GET /v1/foods/recent", async () => {
    const account = await signUp();
    const foods = await Promise.all([insertFood(), insertFood({ ownerId: account.user.id })]);
    const tag = roundTripTags();
    const bindings = taggedBindings(tag);
    const call = (method: string, path: string, body?: unknown) =>
      callWorker(path, { method, body, token: account.accessToken, bindings });
    const items = foods.map((food, i) => ({ foodId: food.id, grams: 100 + i }));

    let before = await databaseRoundTrips(tag);
    const created = await call("POST", "/v1/logs", {
      mealType: "lunch",
      eatenAt: new Date().toISOString(),
      title: "Bibimbap",
      items,
    });
    expect(created.status).toBe(201);
    expect((await databaseRoundTrips(tag)) - before).toBe(1);
    const { log } = await created.json<{ log: { id: string } }>();

    before = await databaseRoundTrips(tag);
    expect((await call("PATCH", `/v1/logs/${log.id}`, { items: items.slice(1) })).status).toBe(200);
    expect((await databaseRoundTrips(tag)) - before).toBe(1);

    before = await databaseRoundTrips(tag);
    expect((await call("GET", "/v1/foods/recent")).status).toBe(200);
    expect((await databaseRoundTrips(tag)) - before).toBe(1);
  });
});
