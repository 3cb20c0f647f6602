import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostileSegment, nastyString, wellFormed } from "../helpers/arbitraries";
import { createFood, FIXTURES, getFood, lookupBarcode, withCheckDigit } from "../helpers/foods";
import { check, fc, fuzzCase, fuzzSummary, Tally } from "../helpers/fuzz";
import { type BodySpec, bodyText, Raw, withQuery } from "../helpers/json-arbitraries";
import { type Account, account } from "../helpers/users";

/**
 * Property-based fuzzing of the foods routes: bodies of POST /v1/foods and PATCH /v1/foods/:id
 * generated from src/routes/foods/foods.schemas.ts and outside it, search query strings, barcode
 * and id path segments. Properties: never a 5xx; every 4xx is problem+json; another user's food is
 * never shown, changed or deleted.
 */

const tally = new Tally("foods");
let writer: Account;
let victim: Account;
let victimFood: { id: string; name: string };
let sharedProductId: string;

beforeAll(async () => {
  [writer, victim] = await Promise.all([account(), account()]);
  victimFood = await createFood(victim.accessToken, { name: "Victim's private jjigae", brand: "Victim" });
  sharedProductId = (await lookupBarcode(victim.accessToken, FIXTURES.legacyEnergy)).body.id;
}, 60_000);

afterAll(() => {
  console.log(fuzzSummary(tally));
});

const text = (min: number, max: number) =>
  fc.oneof(fc.string({ unit: "grapheme", minLength: min, maxLength: max }), nastyString({ maxLength: max }));
const per100g = fc.record({
  calories: fc.double({ min: 0, max: 1000, noNaN: true }),
  proteinG: fc.double({ min: 0, max: 100, noNaN: true }),
  carbsG: fc.double({ min: 0, max: 100, noNaN: true }),
  fatG: fc.double({ min: 0, max: 100, noNaN: true }),
});
const FOOD_FIELDS = {
  name: text(1, 200),
  brand: fc.option(text(0, 200), { nil: null }),
  barcode: fc.option(
    fc.oneof(
      fc.stringMatching(/^\d{12}$/).map(withCheckDigit),
      fc.stringMatching(/^\d{7}$/).map(withCheckDigit),
      fc.constantFrom("036000291452", "96385074"),
    ),
    { nil: null },
  ),
  servingG: fc.option(fc.double({ min: 0.1, max: 5000, noNaN: true }), { nil: null }),
  per100g,
};
const FOOD_WRONG = {
  name: fc.constantFrom("", "   ", "x".repeat(201), "a\u0000b", 42),
  barcode: fc.constantFrom("8801043014831", "1234", "abcdefgh", "", 8801043014830),
  servingG: fc.constantFrom(0, -1, 5000.01, new Raw("1e309"), "100"),
  per100g: fc.constantFrom(
    { calories: 1000.5, proteinG: 0, carbsG: 0, fatG: 0 },
    { calories: 1, proteinG: -1, carbsG: 0, fatG: 0 },
    { calories: 1, proteinG: 1, carbsG: 1 },
    { calories: new Raw("1e309"), proteinG: 1, carbsG: 1, fatG: 1 },
    [],
    null,
  ),
};
const CREATE_SPEC: BodySpec = { fields: FOOD_FIELDS, required: ["name", "per100g"], wrong: FOOD_WRONG };
const PATCH_SPEC: BodySpec = { fields: FOOD_FIELDS, required: [], wrong: FOOD_WRONG };

describe("fuzz: foods", () => {
  it("POST /v1/foods: no 5xx, problem+json on every 4xx", async () => {
    await check("foods.create", bodyText(CREATE_SPEC), 60, async (body) => {
      const res = await fuzzCase(tally, {
        method: "POST",
        path: "/v1/foods",
        raw: body,
        headers: { "content-type": "application/json" },
        token: writer.accessToken,
      });
      expect([201, 400]).toContain(res.status);
      if (res.status === 201) expect(res.body.owned).toBe(true);
    });
  });

  it("PATCH /v1/foods/:id on own, another user's and a shared food", async () => {
    const own = await createFood(writer.accessToken);
    const target = fc.constantFrom(own.id, victimFood.id, sharedProductId);
    await check("foods.patch", fc.tuple(target, bodyText(PATCH_SPEC)), 40, async ([id, body]) => {
      const res = await fuzzCase(tally, {
        method: "PATCH",
        path: `/v1/foods/${id}`,
        raw: body,
        headers: { "content-type": "application/json" },
        token: writer.accessToken,
      });
      if (id === victimFood.id) expect([400, 404]).toContain(res.status);
      if (id === sharedProductId) expect([400, 403]).toContain(res.status);
    });
    expect((await getFood(victim.accessToken, victimFood.id)).body).toEqual(victimFood);
  });

  it("GET /v1/foods?q=: no 5xx, never another user's food", async () => {
    const value = fc.oneof(
      text(0, 120).map((q) => wellFormed(q)),
      fc.constantFrom("victim", "jjigae", "%", "_", "\\", "' OR 1=1--", "비빔", "a", "🍜", "%00"),
    );
    const query = fc.record({
      q: fc.option(value, { nil: undefined }),
      limit: fc.option(fc.constantFrom("0", "1", "100", "101", "-1", "1.5", "abc", "20"), { nil: undefined }),
      cursor: fc.option(fc.constantFrom("abc", "", "e30", "eyJzY29yZSI6MSwiaWQiOiJ4In0"), { nil: undefined }),
    });
    await check("foods.search", query, 60, async (parts) => {
      const entries = Object.entries(parts).filter(([, v]) => v !== undefined) as [string, string][];
      const res = await fuzzCase(tally, { path: withQuery("/v1/foods", entries), token: writer.accessToken });
      expect([200, 400]).toContain(res.status);
      if (res.status === 200) {
        expect(res.body.items.map((food: { id: string }) => food.id)).not.toContain(victimFood.id);
      }
    });
  });

  it("path segments of /v1/foods/{id} and /v1/foods/barcode/{code}", async () => {
    const segment = fc.oneof(hostileSegment(), fc.stringMatching(/^\d{6,14}$/));
    const method = fc.constantFrom("GET", "PATCH", "DELETE", "BARCODE");
    await check("foods.segments", fc.tuple(method, segment), 60, async ([verb, piece]) => {
      const barcode = verb === "BARCODE";
      const res = await fuzzCase(tally, {
        method: barcode ? "GET" : verb,
        path: barcode ? `/v1/foods/barcode/${piece}` : `/v1/foods/${piece}`,
        token: writer.accessToken,
        ...(verb === "PATCH" ? { json: { name: "renamed" } } : {}),
      });
      expect(res.status).toBeLessThan(500);
    });
    expect((await getFood(victim.accessToken, victimFood.id)).body).toEqual(victimFood);
  });
});
