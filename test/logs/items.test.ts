import { describe, expect, it } from "vitest";
import { deleteFoodRow, editFoodRow, insertFood } from "../helpers/foods";
import { callJson } from "../helpers/http";
import {
  dayOf,
  getLog,
  type LogWrite,
  listLogs,
  logMeal,
  patchLog,
  postLog,
  summaryOf,
  validLog,
} from "../helpers/logs";
import { newUser } from "../helpers/users";

/** Logs built from foods (POST/PATCH /v1/logs with `items`): the happy paths. */

const VEGGIE_CHALLENGE = "01936f00-0000-7000-8000-000000000002";

describe("POST /v1/logs with items: happy path", () => {
  it("computes the numbers from the foods and echoes the items as a snapshot", async () => {
    const account = await newUser();
    const rice = await insertFood({
      name: "Rice",
      per100g: { calories: 130, proteinG: 2.7, carbsG: 28.2, fatG: 0.3 },
    });
    const kimchi = await insertFood({
      ownerId: account.user.id,
      name: "My kimchi",
      per100g: { calories: 15, proteinG: 1.1, carbsG: 2.4, fatG: 0.5 },
    });
    const { log } = await logMeal(account.accessToken, {
      items: [
        { foodId: rice.id, grams: 210 },
        { foodId: kimchi.id, grams: 55.5 },
      ],
    });
    // rice: 273, 5.67, 59.22, 0.63; kimchi: 8.325, 0.6105, 1.332, 0.2775
    expect(log).toMatchObject({ calories: 281, proteinG: 6.3, carbsG: 60.6, fatG: 0.9 });
    expect(log.items).toEqual([
      { foodId: rice.id, name: "Rice", grams: 210, calories: 273, proteinG: 5.7, carbsG: 59.2, fatG: 0.6 },
      {
        foodId: kimchi.id,
        name: "My kimchi",
        grams: 55.5,
        calories: 8.3,
        proteinG: 0.6,
        carbsG: 1.3,
        fatG: 0.3,
      },
    ]);
    expect((await getLog(account.accessToken, log.id)).body).toEqual(log);
  });

  it("rounds the exact totals once; each item shows its own numbers to 1 decimal; grams kept to 2 decimals", async () => {
    const account = await newUser();
    const salt = await insertFood({ per100g: { calories: 13.33, proteinG: 1.5, carbsG: 0, fatG: 0 } });
    const { log } = await logMeal(account.accessToken, {
      items: [
        { foodId: salt.id, grams: 3 },
        { foodId: salt.id, grams: 3 },
        { foodId: salt.id, grams: 3.004 },
      ],
    });
    // Each item: 0.3999 kcal → 0.4, 0.045 g protein → 0.0 (halves away from zero: 0.05 would be 0.1).
    expect(log.items.map((item) => [item.grams, item.calories, item.proteinG])).toEqual([
      [3, 0.4, 0],
      [3, 0.4, 0],
      [3, 0.4, 0],
    ]);
    // Totals: 1.1997 kcal → 1 and 0.135 g protein → 0.1, not the sums of the rounded items (1.2, 0).
    expect(log).toMatchObject({ calories: 1, proteinG: 0.1, carbsG: 0, fatG: 0 });
  });

  it("keeps the snapshot when the food is edited or deleted later", async () => {
    const account = await newUser();
    const food = await insertFood({ ownerId: account.user.id, name: "Tteok", per100g: { calories: 200 } });
    const { log } = await logMeal(account.accessToken, { items: [{ foodId: food.id, grams: 150 }] });
    expect(log.calories).toBe(300);
    await editFoodRow(food.id, "Renamed", 999);
    expect((await getLog(account.accessToken, log.id)).body).toEqual(log);
    await deleteFoodRow(food.id);
    expect((await getLog(account.accessToken, log.id)).body).toEqual(log);
    const { body } = await listLogs(account.accessToken);
    expect(body.items[0]).toEqual(log);
  });

  it("answers an Idempotency-Key replay with the first answer, even after the food is gone", async () => {
    const account = await newUser();
    const food = await insertFood({ ownerId: account.user.id });
    const body = validLog({ items: [{ foodId: food.id, grams: 80 }] });
    const headers = { "Idempotency-Key": `items-${crypto.randomUUID()}` };
    const first = await postLog(account.accessToken, body, headers);
    expect(first.status).toBe(201);
    await deleteFoodRow(food.id);
    const replay = await postLog(account.accessToken, body, headers);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(first.body);
    expect((await listLogs(account.accessToken)).body.items).toHaveLength(1);
  });

  it("moves challenges, badges and the summary like any log", async () => {
    const account = await newUser();
    const joined = await callJson(`/v1/challenges/${VEGGIE_CHALLENGE}/join`, {
      method: "POST",
      token: account.accessToken,
    });
    expect(joined.status).toBe(201);
    const food = await insertFood({ per100g: { calories: 40, proteinG: 2, carbsG: 8, fatG: 0 } });
    const { log, events } = await logMeal(account.accessToken, {
      eatenAt: new Date().toISOString(),
      tags: ["vegetable"],
      items: [{ foodId: food.id, grams: 250 }],
    });
    expect(events).toContainEqual(
      expect.objectContaining({ type: "challenge_progress", challengeId: VEGGIE_CHALLENGE, current: 1 }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        type: "badge_awarded",
        badge: expect.objectContaining({ code: "first_log" }),
      }),
    );
    const summary = await summaryOf(account.accessToken, log.localDate, log.localDate);
    expect(dayOf(summary, log.localDate)).toMatchObject({ meals: 1, calories: 100, proteinG: 5, carbsG: 20 });
  });

  it("exports the items with the log", async () => {
    const account = await newUser();
    const food = await insertFood({ name: "Exported" });
    const { log } = await logMeal(account.accessToken, { items: [{ foodId: food.id, grams: 10 }] });
    const exported = await callJson<{ logs: { id: string; items: unknown[] }[] }>("/v1/users/me/export", {
      token: account.accessToken,
    });
    expect(exported.status).toBe(200);
    expect(exported.body.logs.find((entry) => entry.id === log.id)?.items).toEqual(log.items);
  });
});

describe("PATCH /v1/logs/:id with items: transitions", () => {
  const setup = async () => {
    const account = await newUser();
    const food = await insertFood({ per100g: { calories: 100, proteinG: 10, carbsG: 20, fatG: 5 } });
    const other = await insertFood({ per100g: { calories: 300, proteinG: 0, carbsG: 50, fatG: 10 } });
    return { account, food, other };
  };
  const expectPatched = async (token: string, id: string, patch: unknown): Promise<LogWrite> => {
    const { status, body } = await patchLog(token, id, patch);
    expect(status, JSON.stringify(body)).toBe(200);
    expect((await getLog(token, id)).body).toEqual(body.log);
    return body;
  };

  it("a plain log given items: all four numbers are computed from them", async () => {
    const { account, food } = await setup();
    const { log } = await logMeal(account.accessToken, { calories: 900, proteinG: 1, fatG: null });
    const { log: patched } = await expectPatched(account.accessToken, log.id, {
      items: [{ foodId: food.id, grams: 200 }],
    });
    expect(patched).toMatchObject({ calories: 200, proteinG: 20, carbsG: 40, fatG: 10, title: log.title });
    expect(patched.items).toHaveLength(1);
  });

  it("new items replace the items and the numbers", async () => {
    const { account, food, other } = await setup();
    const { log } = await logMeal(account.accessToken, { items: [{ foodId: food.id, grams: 100 }] });
    const { log: patched } = await expectPatched(account.accessToken, log.id, {
      items: [{ foodId: other.id, grams: 50 }],
    });
    expect(patched).toMatchObject({ calories: 150, proteinG: 0, carbsG: 25, fatG: 5 });
    expect(patched.items.map((item) => item.foodId)).toEqual([other.id]);
  });

  it("a typed-in number drops the items; the numbers not sent stay as computed", async () => {
    const { account, food } = await setup();
    const { log } = await logMeal(account.accessToken, { items: [{ foodId: food.id, grams: 100 }] });
    const { log: patched } = await expectPatched(account.accessToken, log.id, { calories: 80 });
    expect(patched).toMatchObject({ calories: 80, proteinG: 10, carbsG: 20, fatG: 5, items: [] });
  });

  it("items: [] makes it a plain log keeping its numbers, or taking the ones sent with it", async () => {
    const { account, food } = await setup();
    const { log } = await logMeal(account.accessToken, { items: [{ foodId: food.id, grams: 100 }] });
    const { log: plain } = await expectPatched(account.accessToken, log.id, { items: [] });
    expect(plain).toMatchObject({ calories: 100, proteinG: 10, carbsG: 20, fatG: 5, items: [] });
    const again = await logMeal(account.accessToken, { items: [{ foodId: food.id, grams: 100 }] });
    const { log: typed } = await expectPatched(account.accessToken, again.log.id, { items: [], fatG: 7 });
    expect(typed).toMatchObject({ calories: 100, fatG: 7, items: [] });
  });

  it("other fields leave the items and numbers alone", async () => {
    const { account, food } = await setup();
    const { log } = await logMeal(account.accessToken, { items: [{ foodId: food.id, grams: 100 }] });
    const { log: patched } = await expectPatched(account.accessToken, log.id, {
      title: "Renamed",
      tags: ["x"],
    });
    expect(patched).toMatchObject({ title: "Renamed", calories: 100, items: log.items });
  });
});
