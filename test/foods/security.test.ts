import { describe, expect, it } from "vitest";
import {
  createFood,
  deleteFood,
  getFood,
  patchFood,
  postFood,
  searchFoods,
  validFood,
} from "../helpers/foods";
import { callJson, expectProblem } from "../helpers/http";
import { signUp } from "../helpers/users";

describe("another user's custom food", () => {
  it("cannot be read, found, changed or deleted (404, like one that does not exist)", async () => {
    const owner = await signUp();
    const other = await signUp();
    const secret = await createFood(owner.accessToken, {
      name: "Grandma's secret galbi sauce",
      brand: "Family",
    });
    await expectProblem((await getFood(other.accessToken, secret.id)).response, 404);
    await expectProblem((await patchFood(other.accessToken, secret.id, { name: "stolen" })).response, 404);
    await expectProblem((await deleteFood(other.accessToken, secret.id)).response, 404);
    for (const q of ["galbi", "grandma secret", "family", "galbi sauce grandma"]) {
      const { body } = await searchFoods(other.accessToken, q);
      expect(body.items.map((food) => food.id)).not.toContain(secret.id);
    }
    // Still the owner's, unchanged.
    expect((await getFood(owner.accessToken, secret.id)).body).toEqual(secret);
    expect((await searchFoods(owner.accessToken, "galbi")).body.items.map((food) => food.id)).toContain(
      secret.id,
    );
  });

  it("is told apart by `owned`: shared products are owned by nobody", async () => {
    const owner = await signUp();
    const food = await createFood(owner.accessToken);
    expect(food.owned).toBe(true);
  });
});

describe("without a session", () => {
  it("every foods route answers 401", async () => {
    const food = await createFood((await signUp()).accessToken);
    const requests = [
      callJson("/v1/foods?q=kimchi"),
      callJson("/v1/foods/barcode/96385074"),
      postFood(undefined, validFood()),
      getFood(undefined, food.id),
      patchFood(undefined, food.id, { name: "x" }),
      deleteFood(undefined, food.id),
    ];
    for (const { response } of await Promise.all(requests)) await expectProblem(response, 401);
  });
});
