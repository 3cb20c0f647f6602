import { describe, expect, it } from "vitest";
import { sql } from "../helpers/db";
import { createFood, deleteFood, patchFood, uniqueWord } from "../helpers/foods";
import { signUp } from "../helpers/users";

// The word index (food_words, food_word_postings) is kept by statement-level triggers on `foods`
// (drizzle/0020): these tests hold it to a rebuild from the foods after every kind of change. Words
// unique to each test keep other suites' foods out of the comparison.

/** The index as the triggers kept it, and as it would be rebuilt from the foods, for `words`. */
async function keptAndRebuilt(words: string[]) {
  const [kept, rebuilt] = await Promise.all([
    sql(
      `select (select coalesce(json_agg(d order by d.word), '[]') from food_words d where d.word = any($1)) as words,
              (select coalesce(json_agg(p order by p.word, p.food_id), '[]')
               from food_word_postings p where p.word = any($1)) as postings`,
      [words],
    ),
    sql(
      `with rows as (
         select r.* from foods f cross join lateral food_word_rows(f.id, f.owner_id, f.search_text) r
         where r.word = any($1))
       select (select coalesce(json_agg(d order by d.word), '[]')
               from (select word, count(*)::int as foods from rows group by word) d) as words,
              (select coalesce(json_agg(p order by p.word, p.food_id), '[]') from rows p) as postings`,
      [words],
    ),
  ]);
  return { kept: kept[0], rebuilt: rebuilt[0] };
}

async function expectIndexExact(words: string[]) {
  const { kept, rebuilt } = await keptAndRebuilt(words);
  expect(kept).toEqual(rebuilt);
  return kept as { words: { word: string; foods: number }[] };
}

describe("the food word index", () => {
  it("equals a rebuild after creations, renames, edits, deletions and a many-food delete beside an insert", async () => {
    const [w1, w2, w3] = [uniqueWord(), uniqueWord(), uniqueWord()] as [string, string, string];
    const words = [w1, w2, w3];
    const [alice, bob] = await Promise.all([signUp(), signUp()]);
    const [soup, rice, pair] = await Promise.all(
      [`${w1} ${w2} soup`, `${w1} rice`, `${w2} ${w3}`].map((name) =>
        createFood(alice!.accessToken, { name }),
      ),
    );
    await Promise.all(
      [`${w1} ${w3} stew`, `${w2} noodles`, w1].map((name) => createFood(bob!.accessToken, { name })),
    );
    expect((await expectIndexExact(words)).words).toEqual(
      [
        { word: w1, foods: 4 },
        { word: w2, foods: 3 },
        { word: w3, foods: 2 },
      ].sort((a, b) => a.word.localeCompare(b.word)),
    );

    // A rename moves the food's words; an edit of its numbers leaves the index alone.
    expect((await patchFood(alice!.accessToken, soup!.id, { name: `${w3} soup` })).status).toBe(200);
    expect((await patchFood(alice!.accessToken, rice!.id, { servingG: 150 })).status).toBe(200);
    await expectIndexExact(words);
    expect((await deleteFood(alice!.accessToken, pair!.id)).status).toBe(204);
    await expectIndexExact(words);

    // One statement deleting all of bob's foods (as the account purge's chunks do) while alice adds a
    // food sharing their words: both change the same dictionary rows.
    await Promise.all([
      sql("delete from foods where owner_id = $1", [bob!.user.id]),
      createFood(alice!.accessToken, { name: `${w1} ${w3} again` }),
    ]);
    await expectIndexExact(words);

    await sql("delete from foods where owner_id = $1", [alice!.user.id]);
    expect(await expectIndexExact(words)).toEqual({ words: [], postings: [] });
  });
});
