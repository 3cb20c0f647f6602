import { describe, expect, it } from "vitest";
import { foldSearchText } from "../../src/lib/search-text";
import { createFood, type Food, searchFoods, uniqueWord } from "../helpers/foods";
import { expectProblem } from "../helpers/http";
import { signUp } from "../helpers/users";

// Custom foods are private: a fresh user's search meets only their own foods and the shared
// products of the Open Food Facts stand-in (test data), which `own` leaves out.
const own = (items: Food[]) => items.filter((food) => food.owned).map((food) => food.name);

describe("foldSearchText", () => {
  it("lowers case, removes accents and collapses spaces", () => {
    expect(foldSearchText("  Crème   BRÛLÉE ")).toBe("creme brulee");
    expect(foldSearchText("Ñoquis Ça Va")).toBe("noquis ca va");
  });

  it("keeps Hangul as whole syllables (NFC), even from decomposed input", () => {
    const decomposed = "비빔밥".normalize("NFD");
    expect(decomposed.length).toBeGreaterThan(3);
    expect(foldSearchText(decomposed)).toBe("비빔밥");
    expect(foldSearchText("김치 찌개")).toBe("김치 찌개");
  });
});

describe("GET /v1/foods?q=", () => {
  it("finds a Hangul dish by its first two syllables, the closest name first", async () => {
    const { accessToken } = await signUp();
    await createFood(accessToken, { name: "비빔밥 도시락 세트" });
    await createFood(accessToken, { name: "비빔밥" });
    await createFood(accessToken, { name: "김치찌개" });
    const { status, body } = await searchFoods(accessToken, "비빔");
    expect(status).toBe(200);
    expect(own(body.items)).toEqual(["비빔밥", "비빔밥 도시락 세트"]);
    expect(own((await searchFoods(accessToken, "김치")).body.items)).toEqual(["김치찌개"]);
  });

  it("tolerates a small typo and ignores case and accents", async () => {
    const { accessToken } = await signUp();
    await createFood(accessToken, { name: "Dark Chocolate", brand: "Lindt" });
    await createFood(accessToken, { name: "Crème Brûlée" });
    await createFood(accessToken, { name: "Oatmeal" });
    expect(own((await searchFoods(accessToken, "choclate")).body.items)).toEqual(["Dark Chocolate"]);
    expect(own((await searchFoods(accessToken, "CREME brulee")).body.items)).toEqual(["Crème Brûlée"]);
    expect(own((await searchFoods(accessToken, "crème")).body.items)).toEqual(["Crème Brûlée"]);
    expect(own((await searchFoods(accessToken, "lindt")).body.items)).toEqual(["Dark Chocolate"]);
  });

  it("needs every query word, each as a whole word, a prefix or a typo", async () => {
    const { accessToken } = await signUp();
    const tag = uniqueWord();
    await createFood(accessToken, { name: `${tag} Dark Chocolate` });
    await createFood(accessToken, { name: `${tag} Milk Chocolate` });
    await createFood(accessToken, { name: `${tag} Dark Rye Bread` });
    expect(own((await searchFoods(accessToken, `dark choc ${tag}`)).body.items)).toEqual([
      `${tag} Dark Chocolate`,
    ]);
    expect(own((await searchFoods(accessToken, `${tag} choclate`)).body.items)).toEqual([
      `${tag} Dark Chocolate`,
      `${tag} Milk Chocolate`,
    ]);
  });

  it("lists a food once when several of its words begin with the query", async () => {
    const { accessToken } = await signUp();
    const tag = uniqueWord();
    const twice = await createFood(accessToken, { name: `${tag}a ${tag}b soup` });
    const once = await createFood(accessToken, { name: `${tag}c` });
    expect((await searchFoods(accessToken, tag)).body.items.map((item) => item.id)).toEqual([
      once.id,
      twice.id,
    ]);
  });

  it("pages through a ranked list with nextCursor, each food once", async () => {
    const { accessToken } = await signUp();
    const tag = uniqueWord();
    const created = await Promise.all(
      Array.from({ length: 7 }, (_, i) => createFood(accessToken, { name: `${tag} soup ${"x".repeat(i)}` })),
    );
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const { status, body } = await searchFoods(accessToken, tag, {
        limit: 3,
        ...(cursor ? { cursor } : {}),
      });
      expect(status).toBe(200);
      seen.push(...body.items.map((food) => food.id));
      if (!body.nextCursor) break;
      cursor = body.nextCursor;
    }
    expect(seen.sort()).toEqual(created.map((food) => food.id).sort());
  });

  it("answers 400 for an empty, blank or too long query and a forged cursor", async () => {
    const { accessToken } = await signUp();
    for (const q of ["", "   ", "x".repeat(101)]) {
      const problem = await expectProblem((await searchFoods(accessToken, q)).response, 400);
      expect(problem.errors?.[0]?.path).toBe("q");
    }
    const forged = await searchFoods(accessToken, "soup", { cursor: "bm90LWEtY3Vyc29y" });
    expect((await expectProblem(forged.response, 400)).errors?.[0]?.path).toBe("cursor");
  });
});
