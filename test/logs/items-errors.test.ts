import { describe, expect, it } from "vitest";
import { unknownId } from "../helpers/db";
import { insertFood } from "../helpers/foods";
import { expectInvalid, expectNoLogs, getLog, logMeal, patchLog, postLog, validLog } from "../helpers/logs";
import { newUser } from "../helpers/users";

/** Logs built from foods: refused bodies are 400 problem+json naming the field, and change nothing. */

const item = (foodId: string, grams = 100) => ({ foodId, grams });

describe("POST /v1/logs with items: errors", () => {
  it("refuses numbers sent with items, naming each number", async () => {
    const account = await newUser();
    const food = await insertFood();
    const { response } = await postLog(
      account.accessToken,
      validLog({ items: [item(food.id)], calories: 500, fatG: null }),
    );
    const problem = await expectInvalid(response, "calories");
    expect(problem.errors?.map((error) => error.path).sort()).toEqual(["calories", "fatG"]);
    await expectNoLogs(account.accessToken);
  });

  it.each([
    ["no items", [], "items"],
    ["31 items", Array.from({ length: 31 }, () => item("0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b")), "items"],
    ["0 grams", [item("0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b", 0)], "items.0.grams"],
    ["0.09 grams", [item("0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b", 0.09)], "items.0.grams"],
    ["5000.01 grams", [item("0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b", 5000.01)], "items.0.grams"],
    [
      "grams as a string",
      [{ foodId: "0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b", grams: "100" }],
      "items.0.grams",
    ],
    ["no grams", [{ foodId: "0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b" }], "items.0.grams"],
    ["a foodId that is no id", [item("rice")], "items.0.foodId"],
    [
      "an unknown key",
      [{ ...item("0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b"), calories: 5 }],
      "items.0.calories",
    ],
    ["items not an array", { foodId: "0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b", grams: 1 }, "items"],
    ["an item not an object", ["0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b"], "items.0"],
  ])("refuses %s", async (_name, items, path) => {
    const account = await newUser();
    const { response } = await postLog(account.accessToken, validLog({ items }));
    await expectInvalid(response, path);
    await expectNoLogs(account.accessToken);
  });

  it("refuses an unknown food, naming items[i].foodId, and writes nothing", async () => {
    const account = await newUser();
    const food = await insertFood();
    const { response } = await postLog(
      account.accessToken,
      validLog({ items: [item(food.id), item(food.id), item(unknownId())] }),
    );
    const problem = await expectInvalid(response, "items.2.foodId");
    expect(problem.errors).toHaveLength(1);
    await expectNoLogs(account.accessToken);
  });

  it("refuses items whose totals exceed what a log holds", async () => {
    const account = await newUser();
    const butter = await insertFood({ per100g: { calories: 717, fatG: 81 } });
    const { response } = await postLog(account.accessToken, validLog({ items: [item(butter.id, 5000)] }));
    await expectInvalid(response, "items");
    await expectNoLogs(account.accessToken);
  });
});

describe("PATCH /v1/logs/:id with items: errors", () => {
  it("refuses numbers with new items, an unknown food and 31 items, and leaves the log as it was", async () => {
    const account = await newUser();
    const food = await insertFood();
    const { log } = await logMeal(account.accessToken, { items: [item(food.id, 50)] });
    await expectInvalid(
      (await patchLog(account.accessToken, log.id, { items: [item(food.id)], carbsG: 1 })).response,
      "carbsG",
    );
    await expectInvalid(
      (await patchLog(account.accessToken, log.id, { items: [item(unknownId())] })).response,
      "items.0.foodId",
    );
    await expectInvalid(
      (
        await patchLog(account.accessToken, log.id, {
          items: Array.from({ length: 31 }, () => item(food.id)),
        })
      ).response,
      "items",
    );
    expect((await getLog(account.accessToken, log.id)).body).toEqual(log);
  });
});
