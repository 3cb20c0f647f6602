// Food search (GET /v1/foods?q=) on the word index of drizzle/0018_food_word_index.sql.
import { type SQL, sql } from "drizzle-orm";
import { guardedRead } from "../db/session-guard";
import { decodeScoreCursor, keysetPage } from "../lib/cursor";
import { ApiError } from "../lib/errors";
import { foldSearchText } from "../lib/search-text";
import type { AuthContext, Services } from "../types";
import { type Food, foodJson, visibleTo } from "./foods";

/** Dictionary words tried per query word (exact, then prefixes shortest first, then typos). */
const CANDIDATE_WORDS = 50;
/** Typos are looked up only for a query word that is not a word itself and begins fewer words than this. */
const FEW_PREFIX_WORDS = 3;
/**
 * pg_trgm similarity a dictionary word needs to count as a typo of a query word (pg_trgm's own
 * default for `%`): `choclate` → `chocolate` scores 0.58, `yoghurt` → `yogurt` 0.5, the
 * transposition `lasanga` → `lasagna` 0.33. Ranking puts the closest first.
 */
const TYPO_SIMILARITY = 0.3;
/** score = match quality × QUALITY_STEP + rank (the folded name's length: names are at most 200 characters). */
const QUALITY_STEP = 100_000;
/** Scope of shared products in `food_word_postings.owner_id` (drizzle/0018_food_word_index.sql). */
const SHARED_SCOPE = "00000000-0000-0000-0000-000000000000";

export type SearchPosition = { score: number; id: string };

/** Dictionary word `d.word` begins with query word `q.w`: a range of the `text_pattern_ops` index (byte order). */
const isPrefixOf = sql`(d.word ~>=~ q.w and d.word ~<~ (q.w || chr(1114111)))`;

/**
 * The search statement, on the word index (`food_words`, `food_word_postings`, kept by triggers):
 * 1. the folded query is split into words like the foods are (`food_search_words`);
 * 2. each query word gets candidate dictionary words with a match quality: itself (0), words it
 *    begins (1; `비빔` → `비빔밥`), and only when it is no word itself and begins few,
 *    trigram-similar words (2 + distance; `choclate` → `chocolate`);
 * 3. query words are ranked by how many foods their candidates hold: the rarest drives, the second
 *    is joined, the rest are probed;
 * 4. for each driving candidate and each scope the viewer sees (shared products, their own foods),
 *    the postings are read in key order (rank = name length, then id: `비빔밥` before `비빔밥 도시락
 *    세트`) from the keyset position on, merge-joined on (rank, id) with each candidate of the second
 *    word (two ordered index ranges), then kept if the food holds a candidate of every further word
 *    (primary-key probes) and this is its best driving candidate (so a food is listed once);
 * 5. the union is ordered by score = quality × QUALITY_STEP + rank, then id.
 * Every read is an index range that stops after `limit` rows: 0.3–1 ms of database time for one word,
 * a prefix or a typo at 1M foods, a few ms for two words (bench/results/foods-scale-1m.txt). Words
 * that rarely meet read both ranges to the end; many candidates of the first two words multiply the
 * merge joins (each is capped by CANDIDATE_WORDS).
 */
export function searchStatement(
  folded: string,
  viewerId: string,
  limit: number,
  after?: SearchPosition,
): SQL {
  // A probe per posting read: `offset 0` keeps it a correlated subplan (primary-key lookups) instead
  // of the anti-join the planner would otherwise make of it, which scans every posting of the word.
  const holdsCandidate = (word: SQL, quality: SQL) => sql`exists (
    select 1 from candidates c2 join food_word_postings p2 on p2.word = c2.word
    where c2.i = ${word} and ${quality} and p2.owner_id = p.owner_id and p2.rank = p.rank and p2.food_id = p.food_id
    offset 0)`;
  // The driving candidate c's postings in scope s from the keyset position on, in key order.
  const postingsOf = sql`p.word = c.word and p.owner_id = s.owner_id
    ${after ? sql`and (p.rank, p.food_id) > (${after.score}::bigint - c.quality * ${QUALITY_STEP}, ${after.id}::uuid)` : sql``}`;
  // Kept: foods whose best driving candidate c is, holding a candidate of every query word after the
  // second. Checked above an `offset 0` fence, so only on postings that met the second word.
  const kept = sql`(not c.has_better or not ${holdsCandidate(sql`c.i`, sql`(c2.quality, c2.word) < (c.quality, c.word)`)})
    and ((select count(*) from query_words) < 3
         or not exists (select 1 from ranked_words q where q.n > 2 and not ${holdsCandidate(sql`q.i`, sql`true`)}))`;
  return sql`
    with query_words as materialized (
      select t.i, t.w from unnest(food_search_words(${folded})) with ordinality as t(w, i)
    ), candidates as materialized (
      select q.i, c.word, c.quality, c.foods from query_words q cross join lateral (
        (select d.word, (d.word <> q.w)::int as quality, d.foods from food_words d
         where ${isPrefixOf} order by d.word <> q.w, char_length(d.word), d.word limit ${CANDIDATE_WORDS})
        union all
        (select d.word, 2 + round((1 - similarity(d.word, q.w)) * 100)::int, d.foods from food_words d
         where d.word % q.w and similarity(d.word, q.w) >= ${TYPO_SIMILARITY} and not (${isPrefixOf})
           and not exists (select from food_words d where d.word = q.w)
           and (select count(*) from (select from food_words d where ${isPrefixOf} limit ${FEW_PREFIX_WORDS}) few)
               < ${FEW_PREFIX_WORDS}
         order by similarity(d.word, q.w) desc, d.word limit ${CANDIDATE_WORDS})
      ) c
    ), ranked_words as materialized (
      select q.i, row_number() over (
        order by (select coalesce(sum(c.foods), 0) from candidates c where c.i = q.i), q.i) as n
      from query_words q
    ), partner_words as materialized (
      select c.word from candidates c join ranked_words r on r.i = c.i and r.n = 2
    ), scopes(owner_id) as (
      values (${SHARED_SCOPE}::uuid), (${viewerId}::uuid)
    ), driving_words as materialized (
      select c.*, exists (select from candidates b where b.i = c.i and (b.quality, b.word) < (c.quality, c.word)) as has_better
      from candidates c join ranked_words r on r.i = c.i and r.n = 1
    ), hits as (
      select distinct h.food_id, c.quality * ${QUALITY_STEP} + h.rank as score
      from driving_words c cross join scopes s cross join lateral (
        select p.* from (
          select p.* from food_word_postings p
          where ${postingsOf} and not exists (select from partner_words)
          order by p.rank, p.food_id offset 0
        ) p where ${kept} limit ${limit}
      ) h
      union
      select h.food_id, c.quality * ${QUALITY_STEP} + h.rank
      from driving_words c cross join scopes s cross join partner_words pw cross join lateral (
        select p.* from (
          select p.* from food_word_postings p
          join food_word_postings b on b.word = pw.word and b.owner_id = p.owner_id and b.rank = p.rank and b.food_id = p.food_id
          where ${postingsOf}
          order by p.rank, p.food_id offset 0
        ) p where ${kept} limit ${limit}
      ) h
      order by score, food_id limit ${limit}
    )
    select ${foodJson(viewerId)} as food, hits.score
    from hits join foods f on f.id = hits.food_id
    where ${visibleTo(viewerId)}
    order by hits.score, f.id`;
}

export async function searchFoods(
  services: Services,
  auth: AuthContext,
  query: { q: string; limit: number; cursor?: string },
) {
  const { db } = services;
  const after = query.cursor ? decodeScoreCursor(query.cursor) : undefined;
  const folded = foldSearchText(query.q);
  if (folded === "") {
    throw ApiError.invalid([{ path: "q", message: "must contain something to search for" }]);
  }
  const result = await guardedRead(
    db,
    auth.sessionId,
    db.execute<{ food: Food; score: number }>(searchStatement(folded, auth.userId, query.limit + 1, after)),
  );
  const { page, nextCursor } = keysetPage(result.rows, query.limit, (row) => ({
    score: Number(row.score),
    id: row.food.id,
  }));
  return { items: page.map((row) => row.food), nextCursor };
}
