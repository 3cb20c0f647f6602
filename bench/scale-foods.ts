// The foods of `npm run bench:scale`'s dataset (issue 17): the Open Food Facts products and custom
// foods of bench:foods-scale's generator (foods-scale.ts), the custom ones owned by the dataset's
// heavy and three-year users, the word index built once after the load, and item snapshots in the
// heavy users' recent logs (what POST /v1/logs with `items` stores), so recent foods has data.
// Generated after the users, and again on a `--reuse` run whose dataset has no foods yet.
import type pg from "pg";
import { foodIdOf, generateFoods } from "./foods-scale.ts";
import { type Progress, step } from "./scale-challenges.ts";
import type { Scale } from "./scale-data.ts";

/** How many of a heavy user's custom foods their logs use (so `uses` in recent foods repeats). */
const FAVOURITE_OWN_FOODS = 10;
/** The shared products every heavy user's logs draw from (the popular ones). */
const POPULAR_PRODUCTS = 200;

/** The number of foods the dataset was generated with (bench_meta), 0 when it has none. */
export async function generatedFoods(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ value: string }>("select value from bench_meta where key = 'foods'");
  return Number(rows[0]?.value ?? 0);
}

export async function generateScaleFoods(client: pg.Client, scale: Scale, progress: Progress) {
  const started = performance.now();
  await client.query(
    `set maintenance_work_mem = '1GB'; set work_mem = '256MB'; set synchronous_commit = off`,
  );
  await client.query("truncate foods, food_word_postings, food_words");
  // The owners of custom foods: heavy and three-year users still there (a purge may have removed one).
  await client.query(`
    drop table if exists bench_food_owners;
    create table bench_food_owners as
      select row_number() over (order by t.n)::int as k, t.id
      from bench_user_tiers t join users u on u.id = t.id
      where t.tier in ('heavy', 'three_year') and u.deleted_at is null
      order by t.n limit ${scale.foodOwners};
    alter table bench_food_owners add primary key (k);
    create unique index on bench_food_owners (id);`);
  const owners = Number(
    (await client.query<{ n: string }>("select count(*)::text as n from bench_food_owners")).rows[0]?.n,
  );
  progress(
    `foods: ${scale.foods} (${owners} users × ${scale.foodsPerOwner} custom, the rest Open Food Facts)…`,
  );
  await generateFoods(
    client,
    {
      foods: scale.foods,
      owners,
      foodsPerOwner: scale.foodsPerOwner,
      ownerOf: (k) => `(select o.id from bench_food_owners o where o.k = ${k})`,
    },
    (line) => progress(line.trim()),
  );
  // A share of the heavy users' logs of the last 90 days become logs from 1–3 items: one of the
  // user's own favourite foods, then popular products; the totals are the items' sums, rounded
  // as log_items_snapshot() (drizzle/0014_log_items.sql) rounds them.
  const ownedFoods = owners * scale.foodsPerOwner;
  const per = (column: string) => `f.${column} * i.grams / 100`;
  await step(
    client,
    progress,
    "item snapshots in heavy users' logs of the last 90 days",
    `update meal_logs l set (items, calories, protein_g, carbs_g, fat_g) = (
       select jsonb_agg(jsonb_build_object(
                'foodId', f.id, 'name', f.name, 'grams', i.grams::float8,
                'calories', round(${per("calories_per_100g")}, 1)::float8,
                'proteinG', round(${per("protein_g_per_100g")}, 1)::float8,
                'carbsG', round(${per("carbs_g_per_100g")}, 1)::float8,
                'fatG', round(${per("fat_g_per_100g")}, 1)::float8) order by i.k),
              round(sum(${per("calories_per_100g")}))::int, round(sum(${per("protein_g_per_100g")}), 1),
              round(sum(${per("carbs_g_per_100g")}), 1), round(sum(${per("fat_g_per_100g")}), 1)
       from (select hashtext(l.id::text) & 2147483647 as h) hh
       cross join lateral generate_series(1, 1 + hh.h % 3) k
       cross join lateral (
         select k, (50 + (hashint4(hh.h + k) & 255))::numeric as grams,
                case when k = 1 then ${foodIdOf(`(o.k - 1) * ${scale.foodsPerOwner} + 1 + hh.h % ${FAVOURITE_OWN_FOODS}`)}
                     else ${foodIdOf(`${ownedFoods} + 1 + (hh.h / 7 + k * 13) % ${POPULAR_PRODUCTS}`)} end as food_id
       ) i
       join foods f on f.id = i.food_id)
     from bench_user_tiers t join bench_food_owners o on o.id = t.id
     where t.tier = 'heavy' and l.user_id = t.id and l.eaten_at >= now() - interval '90 days'
       and hashtext(l.id::text) & 1 = 0`,
  );
  await client.query("vacuum analyze meal_logs");
  await client.query(
    `insert into bench_meta values ('foods', $1), ('foods_generated_seconds', $2)
     on conflict (key) do update set value = excluded.value`,
    [String(scale.foods), String(Math.round((performance.now() - started) / 1000))],
  );
}
