// The per-request statements of `npm run bench:scale`: each entry drives a service function of the
// Worker (the very code a route calls) with varied parameters; the driver (scale-driver.ts) records
// every statement it sends. Adding one is a few lines: a name, how to pick a sample's parameters from
// the generated users (`Pools`), and the call.

import { login } from "../src/services/auth.ts";
import { listChallenges } from "../src/services/challenges.ts";
import { exportMe } from "../src/services/export.ts";
import { lookupBarcode } from "../src/services/food-barcodes.ts";
import { searchFoods } from "../src/services/food-search.ts";
import { getFood } from "../src/services/foods.ts";
import { createLog, getLog, listLogs } from "../src/services/logs.ts";
import { getLeaderboard, getProgress } from "../src/services/participation.ts";
import { getStats } from "../src/services/profile.ts";
import { recentFoods } from "../src/services/recent-foods.ts";
import { refresh } from "../src/services/sessions.ts";
import { getSummary } from "../src/services/summary.ts";
import { deleteMe, getMe } from "../src/services/users.ts";
import type { AuthContext, Services } from "../src/types.ts";
import { BENCH_PASSWORD, BIG_CHALLENGE_ID } from "./scale-data.ts";

/** Users and rows of the generated dataset the statements draw their parameters from. */
export type Pools = {
  /** Users with 6,000 logs. */
  heavy: Sample[];
  /** Users with two logs a day for three years. */
  threeYear: Sample[];
  /** Users in exactly 5 open challenges (heavy or three-year: thousands of logs each). */
  fiveOpen: Sample[];
  /** Players of the big challenge, spread over its whole ranking. */
  bigPlayers: Sample[];
  /** A log of each heavy user, and the instant of a log on its second page. */
  heavyLogs: { userId: string; logId: string; pageCursor: string }[];
  /** Users whose password hash the bench made current (login, deletion). */
  withPassword: Sample[];
  /** Custom foods of the sampled users (heavy, five-open), by owner id. */
  ownFoods: Record<string, string[]>;
  /** Open Food Facts products (ids), and stored products' barcodes (valid EAN-13). */
  sharedFoods: string[];
  barcodes: string[];
  /** Where page 5 of a common word's search starts (found by walking pages 1–4 before measuring). */
  searchCursors: { q: string; cursor: string }[];
};

export type Sample = { userId: string; sessionId: string; email: string };

export type StatementContext = { services: Services; pools: Pools; auth: (sample: Sample) => AuthContext };

export type StatementSpec = {
  name: string;
  /** One request of sample `i` (0-based): what the Worker does for it. */
  request: (context: StatementContext, i: number) => Promise<unknown>;
  /** Commit instead of rolling back (auth: a refresh needs the session a login committed). */
  commit?: boolean;
  /** Each round trip of the request is a sample (a streamed export reads page after page). */
  perRoundTrip?: boolean;
};

const pick = <T>(list: T[], i: number): T => {
  const item = list[i % list.length];
  if (item === undefined) throw new Error("empty sample pool");
  return item;
};

const day = (offset: number) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
const meta = { ip: "203.0.113.7" };
const refreshTokens: string[] = [];

/** Common words whose page 5 is measured (scale.ts walks to it first). */
export const LATER_PAGE_QUERIES = ["chicken", "김치", "rice"];

/** Food searches by kind (issue 17: p95 ≤ 10 ms at 1,000,000 foods); words of foods-scale.ts's generator. */
const SEARCHES: [kind: string, queries: string[]][] = [
  ["2-syllable Hangul prefix", ["비빔", "떡볶", "김치", "갈비", "냉면", "순두", "제육", "짜장"]],
  ["typo", ["choclate", "chiken", "lasanga", "yoghurt", "musli", "sandwhich", "humus", "pizzza"]],
  ["common word", ["chicken", "라면", "rice", "cheese", "불고기", "soup", "우유", "coffee"]],
  [
    "two words",
    ["매운 라면", "spicy chicken", "organic granola", "dark chocolate", "오뚜기 컵", "frozen pizza"],
  ],
];

const ownFood = (pools: Pools, sample: Sample, i: number) => pick(pools.ownFoods[sample.userId] ?? [], i);

export const STATEMENTS: StatementSpec[] = [
  {
    name: "log write (user in 5 open challenges, apply_log_write)",
    request: ({ services, pools, auth }, i) =>
      createLog(
        services,
        auth(pick(pools.fiveOpen, i)),
        {
          mealType: "lunch",
          eatenAt: new Date(Date.now() - (i % 3) * 3_600_000).toISOString(),
          title: `Bibimbap ${i}`,
          note: null,
          photoUrl: null,
          calories: 550 + i,
          proteinG: 20,
          carbsG: 70,
          fatG: 15,
          tags: i % 2 === 0 ? ["vegetable"] : [],
          items: null,
        },
        `bench-key-${i}-${Date.now()}`,
      ),
  },
  {
    name: "log write from 3 items (user in 5 open challenges: own food + 2 products)",
    request: ({ services, pools, auth }, i) => {
      const sample = pick(pools.fiveOpen, i);
      return createLog(
        services,
        auth(sample),
        {
          mealType: "dinner",
          eatenAt: new Date(Date.now() - (i % 3) * 3_600_000).toISOString(),
          title: `Dinner ${i}`,
          note: null,
          photoUrl: null,
          calories: null,
          proteinG: null,
          carbsG: null,
          fatG: null,
          tags: [],
          items: [
            { foodId: ownFood(pools, sample, i), grams: 150 + i },
            { foodId: pick(pools.sharedFoods, i), grams: 80 },
            { foodId: pick(pools.sharedFoods, i + 7), grams: 30.5 },
          ],
        },
        `bench-items-key-${i}-${Date.now()}`,
      );
    },
  },
  ...SEARCHES.map(
    ([kind, queries]): StatementSpec => ({
      name: `food search, ${kind} (1 of ${queries.length} queries, heavy user)`,
      request: ({ services, pools, auth }, i) =>
        searchFoods(services, auth(pick(pools.heavy, i)), { q: pick(queries, i), limit: 20 }),
    }),
  ),
  {
    name: "food search, page 5 of a common word",
    request: ({ services, pools, auth }, i) => {
      const { q, cursor } = pick(pools.searchCursors, i);
      return searchFoods(services, auth(pick(pools.heavy, i)), { q, limit: 20, cursor });
    },
  },
  {
    name: "food by id (own custom food or a product)",
    request: ({ services, pools, auth }, i) => {
      const sample = pick(pools.heavy, i);
      return getFood(
        services,
        auth(sample),
        i % 2 === 0 ? ownFood(pools, sample, i) : pick(pools.sharedFoods, i),
      );
    },
  },
  {
    name: "barcode lookup, stored product",
    request: ({ services, pools, auth }, i) =>
      lookupBarcode(services, auth(pick(pools.heavy, i)), pick(pools.barcodes, i)),
  },
  {
    name: "recent foods (heavy user, logs from items)",
    request: ({ services, pools, auth }, i) => recentFoods(services, auth(pick(pools.heavy, i))),
  },
  {
    name: "log list, first page (heavy user)",
    request: ({ services, pools, auth }, i) => listLogs(services, auth(pick(pools.heavy, i)), { limit: 20 }),
  },
  {
    name: "log list, later page filtered by tag and dates (heavy user)",
    request: ({ services, pools, auth }, i) => {
      const log = pick(pools.heavyLogs, i);
      const sample = pools.heavy.find((user) => user.userId === log.userId) ?? pick(pools.heavy, i);
      return listLogs(services, auth(sample), {
        limit: 20,
        tag: "vegetable",
        from: day(400),
        to: day(1),
        cursor: log.pageCursor,
      });
    },
  },
  {
    name: "log by id (heavy user)",
    request: ({ services, pools, auth }, i) => {
      const log = pick(pools.heavyLogs, i);
      const sample = pools.heavy.find((user) => user.userId === log.userId) ?? pick(pools.heavy, i);
      return getLog(services, auth(sample), log.logId);
    },
  },
  {
    name: "summary, 31 days (heavy user)",
    request: ({ services, pools, auth }, i) =>
      getSummary(services, auth(pick(pools.heavy, i)), day(31 + (i % 60)), day(1 + (i % 60))),
  },
  {
    name: "summary, 93 days (heavy user)",
    request: ({ services, pools, auth }, i) =>
      getSummary(services, auth(pick(pools.heavy, i)), day(93 + (i % 200)), day(1 + (i % 200))),
  },
  {
    name: "stats and streaks (three-year user)",
    request: ({ services, pools, auth }, i) => getStats(services, auth(pick(pools.threeYear, i))),
  },
  {
    name: "challenge list (active, first page)",
    request: ({ services, pools, auth }, i) =>
      listChallenges(services, auth(pick(pools.fiveOpen, i)), { status: "active", limit: 20 }),
  },
  {
    name: "challenge list (joined)",
    request: ({ services, pools, auth }, i) =>
      listChallenges(services, auth(pick(pools.fiveOpen, i)), { joined: true, limit: 20 }),
  },
  {
    name: "progress in the 100,000-player challenge",
    request: ({ services, pools, auth }, i) =>
      getProgress(services, auth(pick(pools.bigPlayers, i)), BIG_CHALLENGE_ID),
  },
  {
    name: "leaderboard cold read, 100,000 players (top 50 + me)",
    request: ({ services, pools, auth }, i) =>
      getLeaderboard(services, auth(pick(pools.bigPlayers, i)), BIG_CHALLENGE_ID, 50),
  },
  {
    name: "session check (assert_session_active + me)",
    request: ({ services, pools, auth }, i) => getMe(services, auth(pick(pools.fiveOpen, i))),
  },
  {
    name: "login",
    commit: true,
    request: async ({ services, pools }, i) => {
      const result = await login(
        services,
        { email: pick(pools.withPassword, i).email, password: BENCH_PASSWORD },
        meta,
      );
      refreshTokens.push(result.refreshToken);
    },
  },
  {
    name: "refresh (token rotation)",
    commit: true,
    request: async ({ services }, i) => {
      const token = refreshTokens[i % Math.max(1, refreshTokens.length)];
      if (!token) throw new Error("no refresh token: the login statement must run first");
      const result = await refresh(services, token, meta);
      refreshTokens[i % refreshTokens.length] = result.refreshToken;
    },
  },
  {
    name: "export of a heavy user, per page (the first: profile + first page of each list)",
    perRoundTrip: true,
    request: async ({ services, pools, auth }, i) => {
      const stream = await exportMe(services, auth(pick(pools.heavy, i)));
      // The whole document, as a client downloads it: one round trip per page of 200 rows.
      const reader = stream.getReader();
      while (!(await reader.read()).done) {}
    },
  },
  {
    name: "account deletion (heavy user)",
    request: ({ services, pools, auth }, i) => {
      const sample = pick(pools.withPassword.slice(0, 40), i);
      return deleteMe(services, auth(sample), BENCH_PASSWORD);
    },
  },
];
