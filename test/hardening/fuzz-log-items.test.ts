import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nastyString } from "../helpers/arbitraries";
import { unknownId } from "../helpers/db";
import { type FoodRow, insertFood } from "../helpers/foods";
import { check, fc, fuzzCase, fuzzSummary, Tally, Watch } from "../helpers/fuzz";
import { type BodySpec, bodyText, Raw } from "../helpers/json-arbitraries";
import { createLog } from "../helpers/logs";
import type { Req } from "../helpers/requests";
import { type Account, account } from "../helpers/users";

/**
 * Property-based fuzzing of the bodies of logs built from foods (`items` in POST /v1/logs and
 * PATCH /v1/logs/:id), valid and deliberately outside the schema, naming the caller's own foods,
 * shared Open Food Facts products, another user's custom foods and unknown ids. Properties: never a
 * 5xx; every error is problem+json; a rejected request writes nothing; another user's food never
 * ends up in a log and their data is untouched; an accepted log's numbers are its items' sums.
 */

const tally = new Tally("log-items");
let writer: Account;
let victim: Account;
let victimWatch: Watch;
let seeable: FoodRow[] = [];
let victimFoods: FoodRow[] = [];

beforeAll(async () => {
  [writer, victim] = await Promise.all([account(), account()]);
  seeable = [
    await insertFood({
      ownerId: writer.user.id,
      per100g: { calories: 250, proteinG: 12.5, carbsG: 30, fatG: 9 },
    }),
    await insertFood({ per100g: { calories: 52, proteinG: 0.3, carbsG: 13.8, fatG: 0.2 } }),
    await insertFood({ per100g: { calories: 0, proteinG: 0, carbsG: 0, fatG: 0 } }),
  ];
  victimFoods = [await insertFood({ ownerId: victim.user.id, name: "victim's food" })];
  await createLog(victim.accessToken, { items: [{ foodId: victimFoods[0]!.id, grams: 100 }] });
  victimWatch = await new Watch(victim.user.id, tally, true).start();
}, 60_000);

afterAll(() => {
  console.log(fuzzSummary(tally));
});

const foodId = () =>
  fc.oneof(
    { weight: 20, arbitrary: fc.constantFrom(...seeable.map((food) => food.id)) },
    { weight: 1, arbitrary: fc.constantFrom(...victimFoods.map((food) => food.id)) },
    { weight: 1, arbitrary: fc.constant(undefined).map(() => unknownId()) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.constantFrom("", "rice", "' OR 1=1--", "00000000-0000-0000-0000-000000000000", 42, null),
        nastyString(),
      ),
    },
  );

const grams = () =>
  fc.oneof(
    { weight: 20, arbitrary: fc.double({ min: 0.1, max: 5000, noNaN: true, noDefaultInfinity: true }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(0, 0.09, -1, 5000.01, "100", null, new Raw("1e309"), new Raw("1e-400")),
    },
  );

const item = () =>
  fc.oneof(
    { weight: 20, arbitrary: fc.record({ foodId: foodId(), grams: grams() }) },
    { weight: 1, arbitrary: fc.record({ foodId: foodId(), grams: grams(), calories: fc.nat() }) },
    { weight: 1, arbitrary: fc.constantFrom(null, "item", [], {}) },
  );

// Built once the foods exist (after beforeAll).
const itemFields = () => ({
  mealType: fc.constantFrom("breakfast", "lunch", "dinner", "snack"),
  eatenAt: fc.constantFrom("2026-11-20T12:30:00+09:00", "2026-11-21T08:00:00Z"),
  title: fc.constantFrom("Bibimbap", "김밥", "Toast"),
  items: fc.array(item(), { minLength: 0, maxLength: 5 }),
  calories: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: null }),
});
const itemWrong = () => ({
  items: fc.oneof(
    fc.constantFrom({}, "[]", null, 5, [[]]),
    fc.array(item(), { minLength: 31, maxLength: 32 }),
  ),
});
const createSpec = (): BodySpec => ({
  fields: itemFields(),
  required: ["mealType", "eatenAt", "title", "items"],
  wrong: itemWrong(),
});
const patchSpec = (): BodySpec => ({ fields: itemFields(), required: ["items"], wrong: itemWrong() });

type LoggedItem = { foodId: string; grams: number };
type LoggedLog = { calories: number | null; proteinG: number | null; items: LoggedItem[] };

/** An accepted log from items: only seeable foods, and numbers that are the sums of its items. */
function expectSums(log: LoggedLog) {
  for (const entry of log.items) expect(seeable.map((food) => food.id)).toContain(entry.foodId);
  if (log.items.length === 0) return;
  const per100g = (id: string) => seeable.find((food) => food.id === id)!.per100g;
  const calories = log.items.reduce(
    (sum, entry) => sum + (per100g(entry.foodId).calories * entry.grams) / 100,
    0,
  );
  const protein = log.items.reduce(
    (sum, entry) => sum + (per100g(entry.foodId).proteinG * entry.grams) / 100,
    0,
  );
  expect(Math.abs(log.calories! - calories)).toBeLessThanOrEqual(0.5 + 1e-6);
  expect(Math.abs(log.proteinG! - protein)).toBeLessThanOrEqual(0.05 + 1e-6);
}

/** Sends `runs` generated bodies to one write route as the writer, checking every property. */
async function fuzzWrite(
  method: "POST" | "PATCH",
  path: string,
  spec: BodySpec,
  runs: number,
  success: number,
) {
  const watch = await new Watch(writer.user.id, tally).start();
  await check(
    // A fixed name: the seed comes from it (a log id in it would change every run).
    `${method} /v1/logs items`,
    bodyText(spec, { valid: 4, mutated: 6, junk: 1 }),
    runs,
    async (raw) => {
      const req: Req = {
        method,
        path,
        token: writer.accessToken,
        raw,
        headers: { "content-type": "application/json" },
      };
      const res = await fuzzCase(tally, req);
      await watch.after(req, res);
      await victimWatch.after(req, res);
      expect([success, 400, 413, 429]).toContain(res.status);
      if (res.status === success) expectSums(res.body.log);
    },
  );
}

describe("fuzz logs built from items", () => {
  it("POST: never a 5xx, problem+json errors, rejected requests write nothing, sums hold", {
    timeout: 180_000,
  }, async () => {
    await fuzzWrite("POST", "/v1/logs", createSpec(), 140, 201);
    expect(tally.count(201)).toBeGreaterThan(5);
  });

  it("PATCH: the same, on the writer's own log", { timeout: 180_000 }, async () => {
    const { id } = await createLog(writer.accessToken, { calories: 100 });
    await fuzzWrite("PATCH", `/v1/logs/${id}`, patchSpec(), 100, 200);
  });
});
