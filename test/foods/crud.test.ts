import { describe, expect, it } from "vitest";
import {
  createFood,
  deleteFood,
  getFood,
  lookupBarcode,
  patchFood,
  postFood,
  searchFoods,
  validFood,
} from "../helpers/foods";
import { expectProblem } from "../helpers/http";
import { signUp } from "../helpers/users";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("POST /v1/foods", () => {
  it("creates a private custom food and answers it in the API's shape", async () => {
    const { accessToken } = await signUp();
    const { status, body } = await postFood(
      accessToken,
      validFood({ name: "  Mom's japchae ", brand: "Home", barcode: "036000291452", servingG: 150 }),
    );
    expect(status).toBe(201);
    expect(body).toEqual({
      id: expect.stringMatching(UUID_V7),
      name: "Mom's japchae",
      brand: "Home",
      // A UPC-A is kept as its EAN-13.
      barcode: "0036000291452",
      source: "custom",
      servingG: 150,
      per100g: { calories: 30, proteinG: 2, carbsG: 4.5, fatG: 0.5 },
      owned: true,
    });
    expect((await getFood(accessToken, body.id)).body).toEqual(body);
  });

  it("replays the first answer for the same Idempotency-Key and body, 409 for another body", async () => {
    const { accessToken } = await signUp();
    const key = crypto.randomUUID();
    const first = await postFood(accessToken, validFood({ name: "Tteokbokki" }), { "Idempotency-Key": key });
    const again = await postFood(accessToken, validFood({ name: "Tteokbokki" }), { "Idempotency-Key": key });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    const other = await postFood(accessToken, validFood({ name: "Other" }), { "Idempotency-Key": key });
    await expectProblem(other.response, 409);
    const found = (await searchFoods(accessToken, "tteokbokki")).body.items.filter((food) => food.owned);
    expect(found).toHaveLength(1);
  });

  it("refuses values out of range, unknown fields and bad barcodes with 400 naming each field", async () => {
    const { accessToken } = await signUp();
    const cases: [Record<string, unknown>, string][] = [
      [{ name: "" }, "name"],
      [{ name: "x".repeat(201) }, "name"],
      [{ brand: "b".repeat(201) }, "brand"],
      [{ servingG: 0 }, "servingG"],
      [{ servingG: 5000.1 }, "servingG"],
      [{ per100g: { calories: 1001, proteinG: 0, carbsG: 0, fatG: 0 } }, "per100g.calories"],
      [{ per100g: { calories: 10, proteinG: 100.5, carbsG: 0, fatG: 0 } }, "per100g.proteinG"],
      [{ per100g: { calories: 10, proteinG: 1, carbsG: 0 } }, "per100g.fatG"],
      [{ barcode: "8801043014831" }, "barcode"],
      [{ barcode: "12345" }, "barcode"],
      [{ owned: true }, "owned"],
    ];
    for (const [overrides, path] of cases) {
      const { response } = await postFood(accessToken, validFood(overrides));
      const problem = await expectProblem(response, 400);
      expect(problem.errors?.map((error) => error.path)).toContain(path);
    }
    expect((await searchFoods(accessToken, "kimchi")).body.items.filter((food) => food.owned)).toEqual([]);
  });
});

describe("PATCH and DELETE /v1/foods/:id", () => {
  it("changes the name alone, the brand alone, the numbers, and search follows", async () => {
    const { accessToken } = await signUp();
    const food = await createFood(accessToken, { name: "Bulgogi", brand: "Seoul Kitchen" });
    const renamed = await patchFood(accessToken, food.id, { name: "Dakgalbi" });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: "Dakgalbi", brand: "Seoul Kitchen" });
    const rebranded = await patchFood(accessToken, food.id, { brand: "Busan Grill", per100g: { fatG: 9.5 } });
    expect(rebranded.body).toMatchObject({
      name: "Dakgalbi",
      brand: "Busan Grill",
      per100g: { calories: 30, proteinG: 2, carbsG: 4.5, fatG: 9.5 },
    });
    const ids = async (q: string) =>
      (await searchFoods(accessToken, q)).body.items.filter((item) => item.owned).map((item) => item.id);
    expect(await ids("dakgalbi")).toEqual([food.id]);
    expect(await ids("busan")).toEqual([food.id]);
    expect(await ids("bulgogi")).toEqual([]);
    expect(await ids("seoul kitchen")).toEqual([]);
    const unbranded = await patchFood(accessToken, food.id, { brand: null });
    expect(unbranded.body.brand).toBeNull();
    expect(await ids("busan")).toEqual([]);
  });

  it("deletes the caller's food: 204, then 404", async () => {
    const { accessToken } = await signUp();
    const food = await createFood(accessToken);
    expect((await deleteFood(accessToken, food.id)).status).toBe(204);
    await expectProblem((await getFood(accessToken, food.id)).response, 404);
    await expectProblem((await deleteFood(accessToken, food.id)).response, 404);
  });

  it("answers 403 for a shared Open Food Facts product and leaves it as it was", async () => {
    const { accessToken } = await signUp();
    const product = (await lookupBarcode(accessToken, "96385074")).body;
    expect(product.source).toBe("openfoodfacts");
    await expectProblem((await patchFood(accessToken, product.id, { name: "Mine now" })).response, 403);
    await expectProblem((await deleteFood(accessToken, product.id)).response, 403);
    expect((await getFood(accessToken, product.id)).body).toEqual(product);
  });

  it("answers 400 for an empty patch and 404 for ids that cannot exist", async () => {
    const { accessToken } = await signUp();
    const food = await createFood(accessToken);
    await expectProblem((await patchFood(accessToken, food.id, {})).response, 400);
    await expectProblem((await patchFood(accessToken, food.id, { per100g: { calories: -1 } })).response, 400);
    await expectProblem((await getFood(accessToken, "not-a-uuid")).response, 404);
    await expectProblem((await patchFood(accessToken, crypto.randomUUID(), { name: "x" })).response, 404);
  });
});
