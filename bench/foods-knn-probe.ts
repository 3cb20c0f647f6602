// `node --import tsx bench/foods-knn-probe.ts`: the measured alternative to the GIN search (issue 17).
// On DATABASE_URL's foods (filled by `npm run bench:foods-scale`) it builds a GiST trigram index
// (gist_trgm_ops, siglen=256) if missing, then for each of bench/foods-scale.ts's queries runs
// EXPLAIN (ANALYZE, BUFFERS) of the KNN form: `where q <% text order by q <<-> text limit 21`, the index
// handing rows out in word-distance order. Prints database time and pages per query, p50/p95, the
// index size; drops the index again unless KEEP=1 (the migrations do not create it).
import pg from "pg";
import { foldSearchText } from "../src/lib/search-text.ts";
import { QUERIES } from "./foods-scale.ts";

/** The word-similarity threshold of the trigram search before the word index (drizzle/0018_food_word_index.sql). */
const WORD_SIMILARITY_THRESHOLD = 0.45;

const INDEX = "foods_search_text_gist_probe";
const url = process.env.DATABASE_URL;
if (!url) {
  console.error("foods-knn-probe needs DATABASE_URL (the database bench:foods-scale filled).");
  process.exit(1);
}
const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  const started = Date.now();
  await client.query(
    `create index if not exists ${INDEX} on foods using gist (search_text gist_trgm_ops(siglen=256))`,
  );
  const size = await client.query(`select pg_size_pretty(pg_relation_size('${INDEX}')) as size`);
  console.log(
    `GiST index ${size.rows[0].size} (ready after ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  await client.query(`set pg_trgm.word_similarity_threshold = ${WORD_SIMILARITY_THRESHOLD}`);
  const viewer = "00000000-0000-7000-8000-000000000001";
  const times: number[] = [];
  for (const round of [0, 1]) {
    for (const q of QUERIES) {
      const plan = await client.query(
        `explain (analyze, buffers, format json) select id from foods f
         where $1 <% search_text and (owner_id is null or owner_id = $2::uuid)
         order by $1 <<-> search_text limit 21`,
        [foldSearchText(q), viewer],
      );
      const { Plan: root, "Execution Time": ms } = plan.rows[0]["QUERY PLAN"][0];
      if (round === 0) continue; // the first round warms the cache
      times.push(ms);
      const pages = root["Shared Hit Blocks"] + root["Shared Read Blocks"];
      console.log(`  ${q.padEnd(22)} ${ms.toFixed(2).padStart(8)} ms  ${String(pages).padStart(6)} pages`);
    }
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.ceil((p / 100) * times.length) - 1]!.toFixed(2);
  console.log(`\n  p50 ${at(50)} ms   p95 ${at(95)} ms   max ${times.at(-1)!.toFixed(2)} ms`);
} finally {
  if (!process.env.KEEP) await client.query(`drop index if exists ${INDEX}`);
  await client.end();
}
