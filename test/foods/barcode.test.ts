import { describe, expect, inject, it } from "vitest";
import {
  FIXTURES,
  freshBarcode,
  lookupBarcode,
  offFault,
  offRequests,
  searchFoods,
  withCheckDigit,
} from "../helpers/foods";
import { call, expectProblem } from "../helpers/http";
import { signUp } from "../helpers/users";

/** A lookup through a Worker whose Open Food Facts URL is tagged, so the stand-in counts its calls. */
const taggedLookup = (token: string, code: string, tag: string) =>
  call(`/v1/foods/barcode/${code}`, {
    token,
    bindings: { OPENFOODFACTS_URL: `${inject("openFoodFactsUrl")}/__tag/${tag}` },
  });

describe("GET /v1/foods/barcode/:code, found", () => {
  it("asks Open Food Facts once, stores the product, then answers locally", async () => {
    const { accessToken } = await signUp();
    const code = freshBarcode();
    const tag = crypto.randomUUID();
    const first = await taggedLookup(accessToken, code, tag);
    expect(first.status).toBe(200);
    const food = await first.json<Record<string, unknown>>();
    expect(food).toMatchObject({
      name: `Generated test product ${code}`,
      brand: "Sikdan Test Data",
      barcode: code,
      source: "openfoodfacts",
      servingG: 100,
      owned: false,
    });
    const second = await taggedLookup(accessToken, code, tag);
    expect(await second.json()).toEqual(food);
    expect(await offRequests(tag)).toBe(1);
    // Shared: another user finds it by search too.
    const other = await signUp();
    const found = await searchFoods(other.accessToken, `generated test product ${code}`);
    expect(found.body.items[0]?.id).toBe(food.id);
  });

  it("prefers the Korean name, converts kJ to kcal and accepts a UPC-A or EAN-8", async () => {
    const { accessToken } = await signUp();
    const korean = await lookupBarcode(accessToken, FIXTURES.korean);
    expect(korean.body).toMatchObject({
      name: "컵반 비빔밥 (테스트 데이터)",
      brand: "Test Foods Korea",
      servingG: 250,
      per100g: { calories: 168, proteinG: 4.2, carbsG: 30.5, fatG: 3.1 },
    });
    const kilojoules = await lookupBarcode(accessToken, FIXTURES.kilojoulesOnly);
    // 2100 kJ / 4.184 = 501.91 kcal
    expect(kilojoules.body).toMatchObject({
      servingG: 30,
      per100g: { calories: 501.91, proteinG: 6.5, fatG: 24 },
    });
    const legacy = await lookupBarcode(accessToken, FIXTURES.legacyEnergy);
    expect(legacy.body).toMatchObject({ servingG: null, per100g: { calories: 570.03 } });
    // A UPC-A and its EAN-13 form are one product, one row.
    const upc = withCheckDigit(`2${freshBarcode().slice(2, 12)}`);
    const asUpc = await lookupBarcode(accessToken, upc);
    const asEan = await lookupBarcode(accessToken, `0${upc}`);
    expect(asUpc.status).toBe(200);
    expect(asEan.body).toEqual(asUpc.body);
    expect(asUpc.body.barcode).toBe(`0${upc}`);
  });

  it("coalesces concurrent first lookups of one code into one provider call and one row", async () => {
    const { accessToken } = await signUp();
    const code = freshBarcode();
    const tag = crypto.randomUUID();
    // A slow answer, so that all five lookups are in flight together.
    await offFault(code, "slow");
    const answers = await Promise.all(Array.from({ length: 5 }, () => taggedLookup(accessToken, code, tag)));
    const bodies = await Promise.all(answers.map((answer) => answer.json<{ id: string }>()));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(bodies.map((body) => body.id)).size).toBe(1);
    expect(await offRequests(tag)).toBe(1);
  });
});

describe("GET /v1/foods/barcode/:code, not found and failures", () => {
  it("answers 404 for an unknown code and remembers it (no second provider call)", async () => {
    const { accessToken } = await signUp();
    const code = freshBarcode("unknown");
    const tag = crypto.randomUUID();
    await expectProblem(await taggedLookup(accessToken, code, tag), 404);
    await expectProblem(await taggedLookup(accessToken, code, tag), 404);
    expect(await offRequests(tag)).toBe(1);
  });

  it("answers 404 for a product without a usable name or energy", async () => {
    const { accessToken } = await signUp();
    await expectProblem((await lookupBarcode(accessToken, FIXTURES.unusable)).response, 404);
  });

  it("answers 400 naming `code` for a wrong check digit or a non-barcode", async () => {
    const { accessToken } = await signUp();
    for (const code of ["8801043014831", "12345", "abcdefghijklm", "036000291453", "96385075"]) {
      const problem = await expectProblem((await lookupBarcode(accessToken, code)).response, 400);
      expect(problem.errors?.[0]?.path).toBe("code");
    }
  });

  it("answers 503 with Retry-After when Open Food Facts fails, and stores nothing", async () => {
    const { accessToken } = await signUp();
    const code = freshBarcode();
    await offFault(code, "error");
    const failed = await lookupBarcode(accessToken, code);
    expect(Number(failed.headers.get("retry-after"))).toBeGreaterThan(0);
    await expectProblem(failed.response, 503);
    await offFault(code, "none");
    expect((await lookupBarcode(accessToken, code)).status).toBe(200);
  });

  it("answers 503 when Open Food Facts does not answer in time", async () => {
    const { accessToken } = await signUp();
    const code = freshBarcode();
    await offFault(code, "hang");
    try {
      await expectProblem((await lookupBarcode(accessToken, code)).response, 503);
    } finally {
      await offFault(code, "none");
    }
    expect((await lookupBarcode(accessToken, code)).status).toBe(200);
  });
});
