import { describe, expect, it } from "vitest";
import { deleteFoodRow, insertFood } from "../helpers/foods";
import { callJson, expectProblem } from "../helpers/http";
import { logMeal } from "../helpers/logs";
import { newUser } from "../helpers/users";

/** GET /v1/foods/recent: the caller's most used foods of the last 30 days, from their logs' items. */

type RecentFood = {
  food: { id: string; name: string; source: string; owned: boolean; per100g: Record<string, number> };
  uses: number;
  lastGrams: number;
  lastEatenAt: string;
};

const recent = (token?: string) => callJson<{ items: RecentFood[] }>("/v1/foods/recent", { token });
const DAY_MS = 86_400_000;
const daysAgo = (days: number, hourMs = 0) => new Date(Date.now() - days * DAY_MS - hourMs).toISOString();

describe("GET /v1/foods/recent: happy path", () => {
  it("is empty for a user without items", async () => {
    const account = await newUser();
    await logMeal(account.accessToken, { calories: 500 });
    expect(await recent(account.accessToken)).toMatchObject({ status: 200, body: { items: [] } });
  });

  it("orders by uses, then the latest use; counts logs, not items; gives the latest grams", async () => {
    const account = await newUser();
    const rice = await insertFood({ name: "Rice", per100g: { calories: 130 } });
    const kimchi = await insertFood({ ownerId: account.user.id, name: "Kimchi" });
    const egg = await insertFood({ name: "Egg" });
    const token = account.accessToken;
    await logMeal(token, { eatenAt: daysAgo(3), items: [{ foodId: rice.id, grams: 200 }] });
    // One log with rice twice: still one use; the latest grams are its last item's.
    await logMeal(token, {
      eatenAt: daysAgo(1),
      items: [
        { foodId: rice.id, grams: 150 },
        { foodId: kimchi.id, grams: 40 },
        { foodId: rice.id, grams: 90 },
      ],
    });
    await logMeal(token, { eatenAt: daysAgo(2), items: [{ foodId: egg.id, grams: 50 }] });
    const { status, body } = await recent(token);
    expect(status).toBe(200);
    expect(body.items.map((entry) => [entry.food.name, entry.uses, entry.lastGrams])).toEqual([
      ["Rice", 2, 90],
      ["Kimchi", 1, 40],
      ["Egg", 1, 50],
    ]);
    expect(body.items[0]).toMatchObject({
      food: { id: rice.id, source: "openfoodfacts", owned: false, per100g: { calories: 130 } },
    });
    expect(body.items[1]?.food).toMatchObject({ source: "custom", owned: true });
  });

  it("leaves out logs older than 30 days and foods deleted since", async () => {
    const account = await newUser();
    const old = await insertFood({ name: "Old" });
    const gone = await insertFood({ ownerId: account.user.id, name: "Gone" });
    const kept = await insertFood({ name: "Kept" });
    await logMeal(account.accessToken, { eatenAt: daysAgo(31), items: [{ foodId: old.id, grams: 10 }] });
    await logMeal(account.accessToken, {
      eatenAt: daysAgo(5),
      items: [
        { foodId: gone.id, grams: 10 },
        { foodId: kept.id, grams: 10 },
      ],
    });
    await deleteFoodRow(gone.id);
    const { body } = await recent(account.accessToken);
    expect(body.items.map((entry) => entry.food.name)).toEqual(["Kept"]);
  });
});

describe("GET /v1/foods/recent: security", () => {
  it("needs a signed-in caller", async () => {
    await expectProblem((await recent()).response, 401);
  });

  it("never shows another user's foods or uses", async () => {
    const [owner, other] = await Promise.all([newUser(), newUser()]);
    const secret = await insertFood({ ownerId: owner.user.id, name: "Secret" });
    const shared = await insertFood({ name: "Shared" });
    await logMeal(owner.accessToken, {
      items: [
        { foodId: secret.id, grams: 10 },
        { foodId: shared.id, grams: 10 },
      ],
    });
    expect((await recent(other.accessToken)).body).toEqual({ items: [] });
    expect((await recent(owner.accessToken)).body.items.map((entry) => entry.food.name).sort()).toEqual([
      "Secret",
      "Shared",
    ]);
  });
});
