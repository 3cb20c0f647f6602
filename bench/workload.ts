// The scripted workload: every endpoint of API.md, one request at a time. The scenarios run as
// small stories repeated `warmups + samples` times (the first `warmups` rounds are not recorded), so
// that each request finds the state it needs (a log to patch, a session to end, a cache just
// invalidated by a write) and cold and warm reads of the same cache sit next to each other.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Answer, Call, Counters, Sample } from "./measure.ts";

/**
 * The report's rows, in API.md's order. `cache` marks the cached reads measured cold and warm;
 * `reference` a row shown for comparison and left out of the targets.
 */
export const ENDPOINTS = {
  health: { name: "GET /health" },
  // The same request through Miniflare's entry Worker, and through `wrangler dev`'s development proxy
  // (bench/edge-worker.ts): reference only.
  healthEntry: { name: "GET /health (through Miniflare's entry Worker, reference)", reference: true },
  healthWranglerDev: { name: "GET /health (through wrangler dev, reference)", reference: true },
  ready: { name: "GET /health/ready" },
  openapi: { name: "GET /openapi.json" },
  docs: { name: "GET /docs" },
  signup: { name: "POST /v1/auth/signup" },
  login: { name: "POST /v1/auth/login" },
  refresh: { name: "POST /v1/auth/refresh" },
  logout: { name: "POST /v1/auth/logout" },
  password: { name: "POST /v1/auth/password" },
  me: { name: "GET /v1/users/me" },
  patchMe: { name: "PATCH /v1/users/me" },
  deleteMe: { name: "DELETE /v1/users/me" },
  // The same with the per-IP limits on (the production default; the rows above run with them off).
  signupPerIp: { name: "POST /v1/auth/signup (per-IP limits on)" },
  loginPerIp: { name: "POST /v1/auth/login (per-IP limits on)" },
  passwordPerIp: { name: "POST /v1/auth/password (per-IP limits on)" },
  deleteMePerIp: { name: "DELETE /v1/users/me (per-IP limits on)" },
  exportMe: { name: "GET /v1/users/me/export" },
  statsCold: { name: "GET /v1/users/me/stats (cold)", cache: "cold" },
  statsWarm: { name: "GET /v1/users/me/stats (warm)", cache: "warm" },
  myBadgesCold: { name: "GET /v1/users/me/badges (cold)", cache: "cold" },
  myBadgesWarm: { name: "GET /v1/users/me/badges (warm)", cache: "warm" },
  profile: { name: "GET /v1/users/:id" },
  createLog: { name: "POST /v1/logs" },
  createLogItems: { name: "POST /v1/logs with items (3 foods)" },
  listLogs: { name: "GET /v1/logs" },
  getLog: { name: "GET /v1/logs/:id" },
  patchLog: { name: "PATCH /v1/logs/:id" },
  deleteLog: { name: "DELETE /v1/logs/:id" },
  putPhoto: { name: "PUT /v1/logs/:id/photo (185 KiB JPEG)" },
  getPhoto: { name: "GET /v1/photos/:key (signed URL)" },
  summaryCold: { name: "GET /v1/logs/summary (cold)", cache: "cold" },
  summaryWarm: { name: "GET /v1/logs/summary (warm)", cache: "warm" },
  listChallenges: { name: "GET /v1/challenges" },
  createChallenge: { name: "POST /v1/challenges" },
  getChallenge: { name: "GET /v1/challenges/:id" },
  patchChallenge: { name: "PATCH /v1/challenges/:id" },
  deleteChallenge: { name: "DELETE /v1/challenges/:id" },
  join: { name: "POST /v1/challenges/:id/join" },
  leave: { name: "DELETE /v1/challenges/:id/join" },
  progress: { name: "GET /v1/challenges/:id/progress" },
  leaderboardCold: { name: "GET /v1/challenges/:id/leaderboard (cold)", cache: "cold" },
  leaderboardWarm: { name: "GET /v1/challenges/:id/leaderboard (warm)", cache: "warm" },
  createFood: { name: "POST /v1/foods" },
  searchFoods: { name: "GET /v1/foods?q=" },
  barcodeHit: { name: "GET /v1/foods/barcode/:code (stored)" },
  barcodeMiss: { name: "GET /v1/foods/barcode/:code (Open Food Facts stand-in)" },
  recentFoods: { name: "GET /v1/foods/recent" },
  badgesCold: { name: "GET /v1/badges (cold)", cache: "cold" },
  badgesWarm: { name: "GET /v1/badges (warm)", cache: "warm" },
} as const satisfies Record<string, { name: string; cache?: "cold" | "warm"; reference?: true }>;

export type EndpointKey = keyof typeof ENDPOINTS;
export type Recorded = Record<EndpointKey, { samples: Sample[]; skipped: number }>;

export const PASSWORD = "bench password one";
const NEW_PASSWORD = "bench password two";
const TIME_ZONE = "Asia/Seoul";
const HOUR = 3_600_000;
/** A phone-sized meal photo with GPS EXIF (bench/fixtures/README.md). */
const PHOTO = new Uint8Array(readFileSync(new URL("./fixtures/meal-200k.jpg", import.meta.url)));

type Tokens = { accessToken: string; refreshToken: string; user: { id: string } };

/** Today in the benchmark users' time zone, and n days before it, as YYYY-MM-DD. */
function day(offsetDays = 0) {
  const date = new Date(Date.now() - offsetDays * 24 * HOUR);
  return new Intl.DateTimeFormat("en-CA", { timeZone: TIME_ZONE }).format(date);
}

const meal = (i: number, hoursAgo: number) => ({
  mealType: (["breakfast", "lunch", "dinner", "snack"] as const)[i % 4],
  eatenAt: new Date(Date.now() - hoursAgo * HOUR).toISOString(),
  title: `Bench meal ${i}`,
  calories: 300 + ((i * 37) % 500),
  proteinG: 10 + (i % 20),
  tags: i % 2 === 0 ? ["vegetable", "homemade"] : ["fruit"],
});

/** A random EAN-13 under GS1's in-store prefix 2, with its check digit. */
function inStoreBarcode() {
  const body = `2${Array.from({ length: 11 }, () => Math.floor(Math.random() * 10)).join("")}`;
  let sum = 0;
  for (let i = body.length - 1, weight = 3; i >= 0; i--, weight = 4 - weight) sum += Number(body[i]) * weight;
  return `${body}${(10 - (sum % 10)) % 10}`;
}

export async function runWorkload(options: {
  call: (call: Call) => Promise<Answer>;
  counters: Counters;
  samples: number;
  warmups: number;
  /** Open Food Facts products the logs from items name (bench/foods.ts). */
  foodIds: string[];
  progress: (line: string) => void;
}): Promise<{ recorded: Recorded; mainUser: { email: string; password: string } }> {
  const { call, counters } = options;
  const recorded = Object.fromEntries(
    Object.keys(ENDPOINTS).map((key) => [key, { samples: [] as Sample[], skipped: 0 }]),
  ) as Recorded;
  let recording = false;
  const run = randomUUID().slice(0, 8);

  /** A measured request: recorded once the warm-up rounds are over, whatever its status. */
  async function m(key: EndpointKey, request: Call): Promise<Answer> {
    const { answer, sample } = await counters.measure(() => call(request));
    if (recording) recorded[key].samples.push(sample);
    if (
      answer.status >= 400 &&
      recording &&
      recorded[key].samples.filter((s) => s.status >= 400).length === 1
    )
      options.progress(`  ${ENDPOINTS[key].name} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer;
  }
  /** A request whose result a later one needs; when it failed, those are counted as skipped. */
  const skip = (...keys: EndpointKey[]) => {
    if (recording) for (const key of keys) recorded[key].skipped++;
  };
  const ok = (answer: Answer) => answer.status >= 200 && answer.status < 300;

  // The main user: a few days of meals, so lists, summaries, stats and the export are not empty.
  const email = `bench-main-${run}@example.com`;
  const signed = await call({
    path: "/v1/auth/signup",
    body: { email, password: PASSWORD, displayName: "Bench Main", timezone: TIME_ZONE },
  });
  if (signed.status !== 201)
    throw new Error(`cannot sign the main user up: ${signed.status} ${JSON.stringify(signed.body)}`);
  const main = signed.body as Tokens;
  const token = main.accessToken;
  for (let i = 0; i < 20; i++) await call({ path: "/v1/logs", token, body: meal(i, 6 + i * 11) });
  await counters.settle();

  const rounds = options.warmups + options.samples;
  for (let round = 0; round < rounds; round++) {
    recording = round >= options.warmups;
    options.progress(`round ${round + 1}/${rounds}${recording ? "" : " (warm-up)"}`);

    // Health and docs: no dependency touched (ready: one of each).
    await m("health", { path: "/health" });
    await m("ready", { path: "/health/ready" });
    await m("openapi", { path: "/openapi.json" });
    await m("docs", { path: "/docs" });

    // Auth: one throw-away account per round, from signup to deletion.
    const who = `bench-auth-${run}-${round}@example.com`;
    const signup = await m("signup", {
      path: "/v1/auth/signup",
      body: { email: who, password: PASSWORD, displayName: `Bench ${round}`, timezone: TIME_ZONE },
    });
    const first = signup.body as Tokens;
    if (!ok(signup)) skip("login", "refresh", "logout", "password", "deleteMe");
    else {
      const login = await m("login", { path: "/v1/auth/login", body: { email: who, password: PASSWORD } });
      const second = login.body as Tokens;
      if (!ok(login)) skip("refresh", "logout");
      else {
        // A fresh session per round: refreshes are limited per session per minute.
        const refreshed = await m("refresh", {
          path: "/v1/auth/refresh",
          body: { refreshToken: second.refreshToken },
        });
        const third = ok(refreshed) ? (refreshed.body as Tokens) : second;
        await m("logout", { method: "POST", path: "/v1/auth/logout", token: third.accessToken });
      }
      const changed = await m("password", {
        path: "/v1/auth/password",
        token: first.accessToken,
        body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
      });
      await m("deleteMe", {
        method: "DELETE",
        path: "/v1/users/me",
        token: first.accessToken,
        body: { password: ok(changed) ? NEW_PASSWORD : PASSWORD },
      });
    }

    // Profile.
    await m("me", { path: "/v1/users/me", token });
    await m("patchMe", {
      method: "PATCH",
      path: "/v1/users/me",
      token,
      body: { displayName: `Bench Main ${round}`, goals: { calories: 2000 + round } },
    });
    await m("profile", { path: `/v1/users/${main.user.id}` });
    await m("exportMe", { path: "/v1/users/me/export", token });

    // Logs, and the per-user caches a log write invalidates (summary, stats, earned badges).
    const created = await m("createLog", { path: "/v1/logs", token, body: meal(100 + round, 1) });
    const { calories: _c, proteinG: _p, ...fromFoods } = meal(200 + round, 2);
    await m("createLogItems", {
      path: "/v1/logs",
      token,
      body: { ...fromFoods, items: options.foodIds.map((foodId, i) => ({ foodId, grams: 50 + 25 * i })) },
    });
    await m("recentFoods", { path: "/v1/foods/recent", token });
    const summary = `/v1/logs/summary?from=${day(13)}&to=${day(0)}`;
    await m("summaryCold", { path: summary, token });
    await m("summaryWarm", { path: summary, token });
    await m("statsCold", { path: "/v1/users/me/stats", token });
    await m("statsWarm", { path: "/v1/users/me/stats", token });
    await m("myBadgesCold", { path: "/v1/users/me/badges", token });
    await m("myBadgesWarm", { path: "/v1/users/me/badges", token });
    await m("listLogs", { path: `/v1/logs?from=${day(13)}&to=${day(0)}&limit=20`, token });
    const logId = ok(created) ? (created.body as { log: { id: string } }).log.id : undefined;
    if (!logId) skip("getLog", "patchLog", "putPhoto", "getPhoto", "badgesCold", "badgesWarm", "deleteLog");
    else {
      await m("getLog", { path: `/v1/logs/${logId}`, token });
      const photo = await m("putPhoto", {
        method: "PUT",
        path: `/v1/logs/${logId}/photo`,
        token,
        rawBody: PHOTO,
        headers: { "content-type": "image/jpeg" },
      });
      const photoUrl = ok(photo) ? (photo.body as { photoUrl: string }).photoUrl : undefined;
      if (!photoUrl) skip("getPhoto");
      else await m("getPhoto", { path: new URL(photoUrl).pathname + new URL(photoUrl).search });
      await m("patchLog", {
        method: "PATCH",
        path: `/v1/logs/${logId}`,
        token,
        body: { title: `Bench meal ${round} (edited)`, calories: 444 },
      });
      // The catalog itself stays cached for an hour; after a write the caller's earned part is re-read.
      await m("badgesCold", { path: "/v1/badges", token });
      await m("badgesWarm", { path: "/v1/badges", token });
      await m("deleteLog", { method: "DELETE", path: `/v1/logs/${logId}`, token });
    }

    // Challenges: an active one per round (join, progress, a leaderboard read cold then warm, leave)
    // and an upcoming one (the only kind its creator may still change or delete).
    await m("listChallenges", { path: "/v1/challenges?status=active", token });
    const active = await m("createChallenge", {
      path: "/v1/challenges",
      token,
      body: {
        title: `Bench challenge ${round}`,
        description: "Log on three days this week.",
        rule: { type: "log_days", target: 3 },
        startsAt: new Date(Date.now() - HOUR).toISOString(),
        endsAt: new Date(Date.now() + 7 * 24 * HOUR).toISOString(),
      },
    });
    const challengeId = ok(active) ? (active.body as { id: string }).id : undefined;
    if (!challengeId) skip("getChallenge", "join", "progress", "leaderboardCold", "leaderboardWarm", "leave");
    else {
      const base = `/v1/challenges/${challengeId}`;
      await m("getChallenge", { path: base, token });
      await m("join", { method: "POST", path: `${base}/join`, token });
      await m("progress", { path: `${base}/progress`, token });
      // A board is built in Redis by its first read: this challenge's first read is the cold one.
      await m("leaderboardCold", { path: `${base}/leaderboard?limit=10`, token });
      await m("leaderboardWarm", { path: `${base}/leaderboard?limit=10`, token });
      await m("leave", { method: "DELETE", path: `${base}/join`, token });
    }
    const upcoming = await call({
      path: "/v1/challenges",
      token,
      body: {
        title: `Bench upcoming ${round}`,
        description: "Starts next week.",
        rule: { type: "meal_count", target: 5, mealType: "breakfast" },
        startsAt: new Date(Date.now() + 7 * 24 * HOUR).toISOString(),
        durationDays: 7,
      },
    });
    await counters.settle();
    if (!ok(upcoming)) skip("patchChallenge", "deleteChallenge");
    else {
      const base = `/v1/challenges/${(upcoming.body as { id: string }).id}`;
      await m("patchChallenge", {
        method: "PATCH",
        path: base,
        token,
        body: { description: "Starts next week, five breakfasts." },
      });
      await m("deleteChallenge", { method: "DELETE", path: base, token });
    }

    // Foods: a custom food, a search that finds it, a barcode new to the database (the stand-in
    // makes up a product for GS1's in-store prefix 2: select, provider, insert), then the same
    // barcode again (stored: one select).
    await m("createFood", {
      path: "/v1/foods",
      token,
      body: { name: `벤치 비빔밥 ${round}`, per100g: { calories: 150, proteinG: 5, carbsG: 25, fatG: 3 } },
    });
    await m("searchFoods", { path: `/v1/foods?q=${encodeURIComponent("비빔")}`, token });
    const code = inStoreBarcode();
    await m("barcodeMiss", { path: `/v1/foods/barcode/${code}`, token });
    await m("barcodeHit", { path: `/v1/foods/barcode/${code}`, token });
  }
  return { recorded, mainUser: { email, password: PASSWORD } };
}

/** Rounds recorded into rows that `runWorkload` already created. */
type RecordingRounds = {
  call: (call: Call) => Promise<Answer>;
  counters: Counters;
  samples: number;
  warmups: number;
  recorded: Recorded;
};

/**
 * The account rounds of the auth rows that count per-IP limits (signup, login, password change,
 * deletion), against a Worker with those limits on; recorded into the `…PerIp` rows.
 */
export async function runAuthWorkload(options: RecordingRounds) {
  const { call, counters, recorded } = options;
  const run = randomUUID().slice(0, 8);
  for (let round = 0; round < options.warmups + options.samples; round++) {
    const recording = round >= options.warmups;
    const m = async (key: EndpointKey, request: Call) => {
      const { answer, sample } = await counters.measure(() => call(request));
      if (recording) recorded[key].samples.push(sample);
      return answer;
    };
    const email = `bench-per-ip-${run}-${round}@example.com`;
    const signup = await m("signupPerIp", {
      path: "/v1/auth/signup",
      body: { email, password: PASSWORD, displayName: `Bench ${round}`, timezone: TIME_ZONE },
    });
    if (signup.status !== 201) {
      if (recording)
        for (const key of ["loginPerIp", "passwordPerIp", "deleteMePerIp"] as const) recorded[key].skipped++;
      continue;
    }
    const login = await m("loginPerIp", { path: "/v1/auth/login", body: { email, password: PASSWORD } });
    const token = (login.status === 200 ? login.body : signup.body) as Tokens;
    const changed = await m("passwordPerIp", {
      path: "/v1/auth/password",
      token: token.accessToken,
      body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
    });
    await m("deleteMePerIp", {
      method: "DELETE",
      path: "/v1/users/me",
      token: token.accessToken,
      body: { password: changed.status === 204 ? NEW_PASSWORD : PASSWORD },
    });
  }
}

/** GET /health through another door to the Worker, `warmups + samples` times, into a reference row. */
export async function measureReferenceHealth(
  row: "healthEntry" | "healthWranglerDev",
  options: RecordingRounds,
) {
  const { call, counters, recorded } = options;
  for (let round = 0; round < options.warmups + options.samples; round++) {
    const { sample } = await counters.measure(() => call({ path: "/health" }));
    if (round >= options.warmups) recorded[row].samples.push(sample);
  }
}
