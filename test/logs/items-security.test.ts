import { describe, expect, it } from "vitest";
import { unknownId } from "../helpers/db";
import { insertFood } from "../helpers/foods";
import { expectInvalid, expectNoLogs, getLog, logMeal, patchLog, postLog, validLog } from "../helpers/logs";
import { newUser } from "../helpers/users";

/** Logs built from foods: another user's custom food is never used, nor told apart from an unknown one. */

describe("logs from items: another user's foods", () => {
  it("refuses another user's custom food exactly like an unknown one, writing nothing", async () => {
    const [owner, intruder] = await Promise.all([newUser(), newUser()]);
    const secret = await insertFood({ ownerId: owner.user.id, name: "Grandma's recipe" });
    const theirs = await postLog(
      intruder.accessToken,
      validLog({ items: [{ foodId: secret.id, grams: 100 }] }),
    );
    const unknown = await postLog(
      intruder.accessToken,
      validLog({ items: [{ foodId: unknownId(), grams: 100 }] }),
    );
    const refusedTheirs = await expectInvalid(theirs.response, "items.0.foodId");
    const refusedUnknown = await expectInvalid(unknown.response, "items.0.foodId");
    expect(refusedTheirs.errors).toEqual(refusedUnknown.errors);
    expect(refusedTheirs.detail).toBe(refusedUnknown.detail);
    expect(JSON.stringify(refusedTheirs)).not.toContain("Grandma");
    await expectNoLogs(intruder.accessToken);
  });

  it("refuses another user's custom food in a PATCH, leaving the log as it was", async () => {
    const [owner, intruder] = await Promise.all([newUser(), newUser()]);
    const secret = await insertFood({ ownerId: owner.user.id });
    const { log } = await logMeal(intruder.accessToken, { calories: 300 });
    const { response } = await patchLog(intruder.accessToken, log.id, {
      items: [{ foodId: secret.id, grams: 10 }],
    });
    await expectInvalid(response, "items.0.foodId");
    expect((await getLog(intruder.accessToken, log.id)).body).toEqual(log);
  });

  it("lets everyone use an Open Food Facts product", async () => {
    const [one, two] = await Promise.all([newUser(), newUser()]);
    const product = await insertFood({ name: "Shin Ramyun" });
    for (const account of [one, two]) {
      const { log } = await logMeal(account.accessToken, { items: [{ foodId: product.id, grams: 120 }] });
      expect(log.items[0]?.name).toBe("Shin Ramyun");
    }
  });
});
