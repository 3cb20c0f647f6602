// `npm run bench:foods-scale`: food search at 1,000,000 foods. Fills DATABASE_URL's `foods` with
// realistic foods made inside PostgreSQL (generate_series: Korean and English names, brands, some
// accents, a few thousand custom foods per some owners), then runs the Worker's own search
// statement (src/services/foods.ts) for varied queries and a later page, and prints p50/p95 and each
// plan's time and pages.
// Refuses the embedded default: it needs a real PostgreSQL (e.g. a database of its own:
//   createdb -h 127.0.0.1 -U postgres sikdan_foods_scale
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/sikdan_foods_scale npm run bench:foods-scale
// FOODS=200000 makes a smaller table; REFILL=1 refills it. `generateFoods` and `searchQuery` are
// exported for the whole-system scale benchmark (npm run bench:scale).
import { PgDialect } from "drizzle-orm/pg-core";
import pg from "pg";
import { applyMigrations } from "../scripts/lib/migrate.ts";
import { foldSearchText } from "../src/lib/search-text.ts";
import { type SearchPosition, searchStatement } from "../src/services/food-search.ts";

/** Name parts: [display, folded] pairs, so the stored search text is what the Worker would fold. */
const KOREAN = [
  "비빔밥",
  "김치찌개",
  "된장찌개",
  "불고기",
  "떡볶이",
  "김밥",
  "라면",
  "냉면",
  "잡채",
  "갈비탕",
  "삼계탕",
  "순두부찌개",
  "제육볶음",
  "닭갈비",
  "짜장면",
  "짬뽕",
  "만두",
  "칼국수",
  "부대찌개",
  "김치볶음밥",
  "오므라이스",
  "돈까스",
  "우동",
  "초밥",
  "호떡",
  "붕어빵",
  "식혜",
  "두유",
  "요구르트",
  "우유",
];
const KOREAN_MODIFIERS = [
  "매운",
  "순한",
  "전통",
  "즉석",
  "냉동",
  "프리미엄",
  "컵",
  "미니",
  "왕",
  "해물",
  "치즈",
  "참치",
];
const ENGLISH = [
  "chicken",
  "beef",
  "pork",
  "salmon",
  "tuna",
  "rice",
  "noodles",
  "soup",
  "salad",
  "sandwich",
  "pizza",
  "pasta",
  "burger",
  "yogurt",
  "milk",
  "cheese",
  "bread",
  "cereal",
  "granola",
  "chocolate",
  "cookies",
  "crackers",
  "chips",
  "juice",
  "tea",
  "coffee",
  "oatmeal",
  "pancakes",
  "waffles",
  "muffin",
  "bagel",
  "tofu",
  "hummus",
  "curry",
  "dumplings",
  "ramen",
  "sushi",
  "tacos",
  "burrito",
  "lasagna",
];
const ACCENTED = [
  "crème brûlée",
  "jalapeño",
  "café au lait",
  "pâté",
  "purée",
  "crêpe",
  "açaí bowl",
  "entremés",
  "müsli",
  "smørrebrød",
  "gâteau",
  "piña colada",
];
const ENGLISH_MODIFIERS = [
  "organic",
  "spicy",
  "low fat",
  "whole grain",
  "classic",
  "frozen",
  "instant",
  "homemade",
  "grilled",
  "roasted",
  "sweet",
  "sugar free",
  "protein",
  "mini",
  "family size",
  "dark",
];
const BRANDS = [
  "농심",
  "오뚜기",
  "CJ 비비고",
  "풀무원",
  "빙그레",
  "매일",
  "Nestlé",
  "Kellogg's",
  "Danone",
  "Häagen-Dazs",
  "Trader Joe's",
  "Kirkland",
  "Lotte",
  "Orion",
  "Ottogi",
  "Sempio",
  "Dongwon",
  "Pulmuone",
  "Président",
  "Bonne Maman",
  "Müller",
  "Lindt",
  "Ferrero",
  "Barilla",
  "Heinz",
  null,
  null,
  null,
  null,
];

const pairs = (words: (string | null)[]) =>
  words.map((word) => [word ?? "", word ? foldSearchText(word) : ""]);
const sqlArray = (values: string[]) =>
  `array[${values.map((value) => `'${value.replaceAll("'", "''")}'`).join(",")}]::text[]`;
const arraysOf = (name: string, words: (string | null)[]) => {
  const list = pairs(words);
  return `${name}_d as (select ${sqlArray(list.map(([d]) => d!))} as a), ${name}_f as (select ${sqlArray(list.map(([, f]) => f!))} as a)`;
};

export type GenerateOptions = {
  foods: number;
  owners: number;
  foodsPerOwner: number;
  /** SQL for the id of owner `k` (1-based, an SQL int expression); default: made-up owners it inserts. */
  ownerOf?: (k: string) => string;
};

/** The id of the `g`-th generated food (an SQL int expression): the same for every caller. */
export const foodIdOf = (g: string) => `('00000000-0000-7000-9000-' || lpad(to_hex(${g}), 12, '0'))::uuid`;
const madeUpOwner = (k: string) => `('00000000-0000-7000-8000-' || lpad(to_hex(${k}), 12, '0'))::uuid`;

/**
 * Fills `foods` with `foods` rows in a few statements inside PostgreSQL: about 45% Korean names,
 * 45% English (some accented), 10% mixed; 70% with a brand; shared (Open Food Facts, with a
 * barcode) except `owners × foodsPerOwner` custom foods (of made-up owners unless `ownerOf`). The
 * word index is built once after the load (what a bulk import does). Deterministic.
 */
export async function generateFoods(client: pg.Client, options: GenerateOptions, log = console.log) {
  const { foods, owners, foodsPerOwner, ownerOf = madeUpOwner } = options;
  // The word index is built once after the load (food_word_index_rebuild), not row by row.
  await client.query("alter table foods disable trigger user");
  if (!options.ownerOf)
    await client.query(`
      insert into users (id, email, display_name, timezone, password_hash)
      select ${madeUpOwner("g")}, 'scale-owner-' || g || '@example.com', 'Scale owner ' || g, 'Asia/Seoul', 'unusable'
      from generate_series(1, ${owners}) g on conflict do nothing`);
  const started = Date.now();
  const ownedFoods = owners * foodsPerOwner;
  await client.query(`
    with ${arraysOf("ko", KOREAN)}, ${arraysOf("kom", KOREAN_MODIFIERS)}, ${arraysOf("en", [...ENGLISH, ...ACCENTED])},
         ${arraysOf("enm", ENGLISH_MODIFIERS)}, ${arraysOf("br", BRANDS)},
    picks as (
      select g,
        (hashint4(g) & 2147483647) as h1, (hashint4(g + 7919) & 2147483647) as h2,
        (hashint4(g + 104729) & 2147483647) as h3, (hashint4(g + 1299709) & 2147483647) as h4
      from generate_series(1, ${foods}) g
    ),
    parts as (
      select g, h1, h2, h3, h4,
        case when h1 % 20 < 9 then 'ko' when h1 % 20 < 18 then 'en' else 'mixed' end as kind,
        1 + h2 % cardinality((select a from ko_d)) as ko, 1 + h3 % cardinality((select a from kom_d)) as kom,
        1 + h3 % cardinality((select a from en_d)) as en, 1 + h2 % cardinality((select a from enm_d)) as enm,
        1 + h4 % cardinality((select a from br_d)) as br
      from picks
    )
    insert into foods (id, owner_id, source, name, brand, barcode, serving_g, calories_per_100g, protein_g_per_100g,
                       carbs_g_per_100g, fat_g_per_100g, search_text)
    select
      ${foodIdOf("g")},
      case when g <= ${ownedFoods} then ${ownerOf(`(1 + (g - 1) / ${foodsPerOwner})`)} end,
      case when g <= ${ownedFoods} then 'custom' else 'openfoodfacts' end,
      n.display, nullif((select a from br_d)[br], ''),
      case when g > ${ownedFoods} then lpad(g::text, 13, '0') end,
      50 + h4 % 400, h1 % 900, (h2 % 400) / 10.0, (h3 % 800) / 10.0, (h4 % 500) / 10.0,
      n.folded || E'\\n' || (select a from br_f)[br]
    from parts,
    lateral (select
      case kind
        when 'ko' then (select a from kom_d)[kom] || ' ' || (select a from ko_d)[ko]
        when 'en' then (select a from enm_d)[enm] || ' ' || (select a from en_d)[en]
        else (select a from ko_d)[ko] || ' ' || (select a from en_d)[en] end
        || ' ' || (h4 % 1000)::text as display,
      case kind
        when 'ko' then (select a from kom_f)[kom] || ' ' || (select a from ko_f)[ko]
        when 'en' then (select a from enm_f)[enm] || ' ' || (select a from en_f)[en]
        else (select a from ko_f)[ko] || ' ' || (select a from en_f)[en] end
        || ' ' || (h4 % 1000)::text as folded) n`);
  log(`  inserted ${foods} foods in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const indexed = Date.now();
  await client.query("alter table foods enable trigger user");
  await client.query("select food_word_index_rebuild()");
  // Sets the hint bits and the statistics once, as autovacuum would after a bulk load.
  await client.query("vacuum analyze foods");
  await client.query("vacuum analyze food_word_postings, food_words");
  log(`  built the word index in ${((Date.now() - indexed) / 1000).toFixed(1)} s`);
}

/** The Worker's search statement as plain SQL for `pg`. */
export function searchQuery(q: string, viewerId: string, limit = 20, after?: SearchPosition) {
  return new PgDialect().sqlToQuery(searchStatement(foldSearchText(q), viewerId, limit + 1, after));
}

/** Varied searches: whole words, prefixes (2 Hangul syllables), typos, accents, brands, rare and absent words. */
export const QUERIES = [
  "비빔",
  "비빔밥",
  "김치",
  "김치찌개",
  "떡볶",
  "불고기",
  "매운 라면",
  "냉면",
  "짬뽕",
  "갈비탕",
  "chicken",
  "chick",
  "choclate",
  "chocolate",
  "yoghurt",
  "oatmeal",
  "ramen",
  "sushi",
  "tacos",
  "lasagna",
  "creme brulee",
  "crème",
  "jalapeno",
  "cafe au lait",
  "acai",
  "musli",
  "nestle",
  "haagen",
  "lindt",
  "bonne maman",
  "spicy chicken curry",
  "organic granola",
  "농심",
  "오뚜기 컵",
  "protein bar",
  "zzqx",
  "pizza 123",
  "hummus",
  "chiken",
  "lasanga",
  "kelloggs",
  "오뚜기",
  "ottogi",
  "dark chocolate",
  "매운",
  "떡",
  "trader joe",
  "라면 농심",
];

/** Common words whose fifth page is measured too (keyset position after page 4). */
const LATER_PAGE_QUERIES = ["chicken", "김치"];

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function main() {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error(
      "bench:foods-scale needs DATABASE_URL (a real PostgreSQL of its own, e.g. sikdan_foods_scale); it refuses the embedded default.",
    );
    process.exit(1);
  }
  const target = Number(process.env.FOODS ?? 1_000_000);
  await applyMigrations(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const [{ count }] = (await client.query("select count(*)::int as count from foods")).rows;
    if (count !== target || process.env.REFILL) {
      console.log(`filling foods with ${target} rows (was ${count})…`);
      await client.query("delete from foods");
      await generateFoods(client, { foods: target, owners: 20, foodsPerOwner: 3000 });
    }
    const viewer = "00000000-0000-7000-8000-000000000001"; // an owner: sees their 3000 custom foods too
    // A later page: the position after page 4 of a common word, found by walking its pages.
    const laterPages: { label: string; q: string; after?: SearchPosition }[] = [];
    for (const q of LATER_PAGE_QUERIES) {
      let after: SearchPosition | undefined;
      let page = 1;
      for (; page < 5; page++) {
        const { sql, params } = searchQuery(q, viewer, 20, after);
        const last = (await client.query(sql, params)).rows[19];
        if (!last) break; // a small table: fewer pages
        after = { score: Number(last.score), id: last.food.id };
      }
      laterPages.push({ label: `${q} (page ${page})`, q, after });
    }
    const searches = [...QUERIES.map((q) => ({ label: q, q, after: undefined })), ...laterPages];
    // Round 0 warms the cache; each search's time is the median of rounds 1–3 (a 2-core machine
    // shared with other work stalls single round trips now and then).
    const runs: { q: string; ms: number; rows: number; top: string }[] = [];
    const times = new Map<string, number[]>();
    for (const round of [0, 1, 2, 3]) {
      for (const { label, q, after } of searches) {
        const search = searchQuery(q, viewer, 20, after);
        const started = process.hrtime.bigint();
        const result = await client.query(search.sql, search.params);
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (round > 0) times.set(label, [...(times.get(label) ?? []), ms]);
        if (round === 3) {
          const plan = await client.query(
            `explain (analyze, buffers, format json) ${search.sql}`,
            search.params,
          );
          const root = plan.rows[0]["QUERY PLAN"][0].Plan;
          const top = `plan ${root["Actual Total Time"].toFixed(2)} ms, ${root["Shared Hit Blocks"] + root["Shared Read Blocks"]} pages (read ${root["Shared Read Blocks"]})`;
          const median = times.get(label)!.sort((a, b) => a - b)[1]!;
          runs.push({ q: label, ms: median, rows: result.rowCount ?? 0, top });
        }
      }
    }
    const sorted = runs.map((run) => run.ms).sort((a, b) => a - b);
    console.log(
      `\nfood search at ${target.toLocaleString("en")} foods (${runs.length} searches, warm cache, median of 3 round trips each):`,
    );
    for (const run of runs)
      console.log(
        `  ${run.q.padEnd(22)} ${run.ms.toFixed(2).padStart(8)} ms  ${String(run.rows).padStart(3)} rows  ${run.top}`,
      );
    console.log(
      `\n  p50 ${percentile(sorted, 50).toFixed(2)} ms   p95 ${percentile(sorted, 95).toFixed(2)} ms   max ${sorted.at(-1)!.toFixed(2)} ms`,
    );
  } finally {
    await client.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
