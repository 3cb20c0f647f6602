import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { redisBreaker } from "../../src/services/cache";
import { createChallenge } from "../helpers/challenges";
import { captureConsole, outageLines } from "../helpers/console";
import { DB_TIMEOUT_MS, fingerprint, rowCounts, sql } from "../helpers/db";
import { createFood } from "../helpers/foods";
import { Tally } from "../helpers/fuzz";
import { type Bindings, uniqueIp } from "../helpers/http";
import { createLog } from "../helpers/logs";
import { type Fault, neonFault, redisBackUp, redisCommand, upstashFault } from "../helpers/redis";
import { expectProblemRes, type Req, type Res, send, sendLogin, violations } from "../helpers/requests";
import { type Account, account } from "../helpers/users";
import { eventually, sleep } from "../helpers/wait";

/**
 * Faults through the local stack, scoped to this file's own requests by URL prefix (stack/control.ts):
 * - Upstash down, erroring, hanging or slow (beyond the cache timeout): every request that does not
 *   need Redis for correctness is served, rate limits fail open, caches fall through to PostgreSQL
 *   with the same answers, and the outage is logged once (not per request);
 * - Neon down, erroring, hanging or slow (beyond the database timeout): 503 problem+json with
 *   Retry-After within DB_TIMEOUT_MS + 1 s, never a hang or a 500, and nothing written;
 * - batches that fail (a session ended between two calls, the write quota, a statement PostgreSQL
 *   refuses): nothing of the batch is written.
 */

const tally = new Tally("faults");
let injected = 0;
let slowest503 = 0;

/** Short timeouts for the faulty dependency, so hangs cost little (the default is checked once). */
const CACHE_MS = 300;
const DB_MS = 400;

const FROM = "2026-11-16";
const TO = "2026-11-22";

let user: Account;
let rival: Account;
let challengeId: string;
let openChallengeId: string;

beforeAll(async () => {
  [user, rival] = await Promise.all([account(), account({ displayName: "Rival" })]);
  await send({
    method: "PATCH",
    path: "/v1/users/me",
    token: user.accessToken,
    json: { goals: { calories: 2000 } },
  });
  for (const [day, calories] of [
    ["2026-11-18", 650],
    ["2026-11-20", 900],
    ["2026-11-20", 400],
  ] as const) {
    await createLog(user.accessToken, { eatenAt: `${day}T12:30:00+09:00`, calories, tags: ["homemade"] });
  }
  challengeId = (await createChallenge(user.accessToken)).id;
  openChallengeId = (await createChallenge(rival.accessToken)).id;
  for (const who of [user, rival]) {
    const joined = await send({
      method: "POST",
      path: `/v1/challenges/${challengeId}/join`,
      token: who.accessToken,
    });
    expect(joined.status).toBe(201);
  }
}, 60_000);

afterAll(() => {
  console.log(
    `faults: ${injected} requests under injected faults, ${tally.total5xx - tally.count(503)} 5xx other than 503, ` +
      `${tally.count(503)} 503 (all problem+json with Retry-After, slowest ${slowest503} ms), ` +
      `${tally.writesByRejected} writes by failed requests, ${tally.rowsLost} rows lost`,
  );
});

/** Runs `work` with the console captured (the warnings a fault causes stay out of the output). */
async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const console_ = captureConsole();
  try {
    return await work();
  } finally {
    console_.restore();
  }
}

/** Sends under a fault: records it and checks the universal contract (a 503 allowed). */
async function underFault(req: Req, bindings: Bindings): Promise<Res> {
  injected += 1;
  const res = await send(req, bindings);
  const found = tally.record(req, res, violations(req, res, { allowStatuses: [503] }));
  if (found.length > 0)
    throw new Error(
      `${req.method ?? "GET"} ${req.path} → ${res.status}: ${found.join("; ")}\n${res.text.slice(0, 300)}`,
    );
  if (res.status === 503) slowest503 = Math.max(slowest503, res.ms);
  return res;
}

// ---- Redis ----------------------------------------------------------------------------------------

const redisModes: Fault[] = ["down", "error", "hang", "slow"];
const redisDown = (mode: Fault): Bindings => ({
  UPSTASH_REDIS_REST_URL: upstashFault(mode),
  CACHE_TIMEOUT_MS: String(CACHE_MS),
});

/** No Upstash configured: every read is computed from PostgreSQL (the truth to compare with). */
const POSTGRES_ONLY: Bindings = { UPSTASH_REDIS_REST_URL: undefined, UPSTASH_REDIS_REST_TOKEN: undefined };

/** The reads that Redis may serve (summary, stats, badges, catalog, leaderboard) and a few that it never does. */
async function readAll(token: string, bindings: Bindings, faulty: boolean) {
  const paths = {
    summary: `/v1/logs/summary?from=${FROM}&to=${TO}`,
    stats: "/v1/users/me/stats",
    badges: "/v1/users/me/badges",
    catalog: "/v1/badges",
    leaderboard: `/v1/challenges/${challengeId}/leaderboard`,
    list: "/v1/logs?limit=100",
    me: "/v1/users/me",
    profile: `/v1/users/${user.user.id}`,
    challenge: `/v1/challenges/${challengeId}`,
  };
  const answers: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(paths)) {
    const res = faulty ? await underFault({ path, token }, bindings) : await send({ path, token }, bindings);
    expect(res.status, `${name}: ${res.text}`).toBe(200);
    answers[name] = res.body;
  }
  return answers;
}

describe("Redis down, erroring, hanging or slow: served from PostgreSQL, limits open, one log line", () => {
  for (const mode of redisModes) {
    it(`Upstash ${mode}: reads equal the healthy answers, writes and auth work, the outage is logged once`, {
      timeout: 60_000,
    }, async () => {
      const bindings = redisDown(mode);
      // The answers from PostgreSQL alone; healthy reads warm every cache; Redis is "up" again.
      const truth = await readAll(user.accessToken, POSTGRES_ONLY, false);
      await readAll(user.accessToken, {}, false);
      await sleep(150);
      await redisBackUp();
      expect(redisBreaker.isOpen).toBe(false);
      const console_ = captureConsole();
      let served = 0;
      try {
        // Reads: identical to the healthy answers, computed from PostgreSQL.
        expect(await readAll(user.accessToken, bindings, true)).toEqual(truth);
        served += Object.keys(truth).length;

        // Writes (the per-user write limit does not need Redis), each one's effect read back at once.
        const created = await underFault(
          {
            method: "POST",
            path: "/v1/logs",
            token: user.accessToken,
            json: {
              mealType: "snack",
              eatenAt: "2026-11-19T15:00:00+09:00",
              title: `during ${mode}`,
              calories: 120,
            },
          },
          bindings,
        );
        expect(created.status).toBe(201);
        const patched = await underFault(
          {
            method: "PATCH",
            path: `/v1/logs/${created.body.log.id}`,
            token: user.accessToken,
            json: { calories: 150 },
          },
          bindings,
        );
        expect(patched.status).toBe(200);
        const summary = await underFault(
          { path: `/v1/logs/summary?from=${FROM}&to=${TO}`, token: user.accessToken },
          bindings,
        );
        expect(summary.body.totals.calories).toBe(
          (truth.summary as { totals: { calories: number } }).totals.calories + 150,
        );
        const stats = await underFault({ path: "/v1/users/me/stats", token: user.accessToken }, bindings);
        expect(stats.body.totalLogs).toBe((truth.stats as { totalLogs: number }).totalLogs + 1);
        const removed = await underFault(
          { method: "DELETE", path: `/v1/logs/${created.body.log.id}`, token: user.accessToken },
          bindings,
        );
        expect(removed.status).toBe(204);
        served += 5;

        // Auth works: the per-IP limits fail open; failed sign-ins are counted by PostgreSQL, whatever
        // Redis does (9, under the limit of 10, are 401; test/auth/redis-down.test.ts shows the 11th).
        const failures = mode === "down" ? 9 : 2;
        for (let i = 0; i < failures; i++) {
          const failed = await underFault(
            {
              method: "POST",
              path: "/v1/auth/login",
              json: { email: user.email, password: `wrong ${i}` },
              headers: { "cf-connecting-ip": "198.18.7.7" },
            },
            bindings,
          );
          expect(failed.status).toBe(401);
        }
        const signedIn = await underFault(
          {
            method: "POST",
            path: "/v1/auth/login",
            json: { email: user.email, password: user.password },
            headers: { "cf-connecting-ip": uniqueIp() },
          },
          bindings,
        );
        expect(signedIn.status).toBe(200);
        const refreshed = await underFault(
          {
            method: "POST",
            path: "/v1/auth/refresh",
            json: { refreshToken: signedIn.body.refreshToken },
            headers: { "cf-connecting-ip": uniqueIp() },
          },
          bindings,
        );
        expect(refreshed.status).toBe(200);
        const signup = await underFault(
          {
            method: "POST",
            path: "/v1/auth/signup",
            json: {
              email: `faults.${mode}.${crypto.randomUUID()}@example.com`,
              password: "redis is down today",
              displayName: "Outage",
            },
            headers: { "cf-connecting-ip": uniqueIp() },
          },
          bindings,
        );
        expect(signup.status).toBe(201);
        const out = await underFault(
          { method: "POST", path: "/v1/auth/logout", token: refreshed.body.accessToken },
          bindings,
        );
        expect(out.status).toBe(204);
        served += failures + 4;

        // Challenges: join and progress; readiness says the cache is unavailable but stays ready.
        const join = await underFault(
          { method: "POST", path: `/v1/challenges/${openChallengeId}/join`, token: user.accessToken },
          bindings,
        );
        expect([201, 409]).toContain(join.status);
        const progress = await underFault(
          { path: `/v1/challenges/${openChallengeId}/progress`, token: user.accessToken },
          bindings,
        );
        expect(progress.status).toBe(200);
        const ready = await underFault({ path: "/health/ready" }, bindings);
        expect(ready.status).toBe(200);
        expect(ready.body.checks).toEqual({ db: "ok", cache: "unavailable" });
        served += 3;

        // Deferred work (cache fills, board updates) fails quietly too; let it finish.
        await sleep(CACHE_MS + 200);
        const lines = outageLines(console_.lines());
        expect(lines, lines.join("\n")).toHaveLength(1);
        expect(JSON.parse(lines[0]!).level).toBe("warn");
        console.log(
          `faults: Upstash ${mode}: ${served} requests served, 0 5xx, ${lines.length} outage log line`,
        );
      } finally {
        console_.restore();
        await redisBackUp();
      }
      // After the outage the uncached reads agree with PostgreSQL at once (cached ones may lag:
      // see the next test).
      const after = await readAll(user.accessToken, {}, false);
      expect(after.list).toEqual(truth.list);
      expect(after.me).toEqual(truth.me);
    });
  }

  it("a write made during a Redis outage is never lost, and no summary cached before it is served after it", {
    timeout: 30_000,
  }, async () => {
    const writer = await account();
    await createLog(writer.accessToken, { eatenAt: "2026-11-20T12:00:00+09:00", calories: 500 });
    const path = `/v1/logs/summary?from=${FROM}&to=${TO}`;
    await send({ path, token: writer.accessToken });
    await eventually(
      async () => ((await redisCommand("KEYS", `uc:${writer.user.id}:summary*`)) as string[]).length > 0,
    );
    const during = await underFault(
      {
        method: "POST",
        path: "/v1/logs",
        token: writer.accessToken,
        json: {
          mealType: "dinner",
          eatenAt: "2026-11-21T19:00:00+09:00",
          title: "outage dinner",
          calories: 700,
        },
      },
      redisDown("down"),
    );
    expect(during.status).toBe(201);
    await redisBackUp();
    const list = await send({ path: "/v1/logs", token: writer.accessToken });
    expect(list.body.items.map((log: { id: string }) => log.id)).toContain(during.body.log.id);
    // The write bumped the database's cache epoch (src/services/user-cache.ts): the entry cached
    // before it is never served again, by this isolate or any other.
    const summary = await send({ path, token: writer.accessToken });
    expect(summary.body).toEqual((await send({ path, token: writer.accessToken }, POSTGRES_ONLY)).body);
    expect(summary.body.totals.calories).toBe(1200);
  });

  // A fixed bug, kept as a regression test (src/services/auth.ts logout → defer(markSessionsRevoked) in
  // src/services/revocation.ts; src/services/user-cache.ts readUserCache; src/services/leaderboard.ts
  // fromRedis): cached reads (summary, stats, badges, leaderboard) are answered from Redis without
  // asking PostgreSQL, trusting a `revoked:session:<id>` mark that logout writes best-effort after the
  // response. When Redis is down at logout, the mark is lost (cache.attempt swallows it): once Redis is
  // back, the ended session's access token still reads the cached diary summary and stats (200) for as
  // long as the token lives (≤ 15 min), while GET /v1/users/me already answers 401. API.md: after
  // logout "the session's refresh token and its access token stop working at once". The same holds for
  // password changes and account deletion (their marks go the same way).
  it("an access token logged out during a Redis outage reads no cached data afterwards", {
    timeout: 30_000,
  }, async () => {
    const victim = await account();
    await createLog(victim.accessToken, { eatenAt: "2026-11-20T12:00:00+09:00", calories: 500 });
    const path = `/v1/logs/summary?from=${FROM}&to=${TO}`;
    await send({ path, token: victim.accessToken });
    await send({ path: "/v1/users/me/stats", token: victim.accessToken });
    await eventually(
      async () => ((await redisCommand("KEYS", `uc:${victim.user.id}:*:*`)) as string[]).length >= 2,
    );
    const out = await underFault(
      { method: "POST", path: "/v1/auth/logout", token: victim.accessToken },
      redisDown("down"),
    );
    expect(out.status).toBe(204);
    await redisBackUp();
    expect((await send({ path: "/v1/users/me", token: victim.accessToken })).status).toBe(401);
    expect((await send({ path, token: victim.accessToken })).status).toBe(401);
    expect((await send({ path: "/v1/users/me/stats", token: victim.accessToken })).status).toBe(401);
  });
});

// ---- Neon -----------------------------------------------------------------------------------------

type Probe = { name: string; req: (token: string, logId: string) => Req; write: boolean };

const PROBES: Probe[] = [
  {
    name: "signup",
    write: true,
    req: () => ({
      method: "POST",
      path: "/v1/auth/signup",
      json: {
        email: `neon.${crypto.randomUUID()}@example.com`,
        password: "database is down",
        displayName: "Nobody",
      },
    }),
  },
  {
    name: "login",
    write: true,
    req: () => ({
      method: "POST",
      path: "/v1/auth/login",
      json: { email: "someone@example.com", password: "database is down" },
    }),
  },
  {
    name: "refresh",
    write: true,
    req: () => ({
      method: "POST",
      path: "/v1/auth/refresh",
      json: { refreshToken: `${crypto.randomUUID()}.${"A".repeat(43)}` },
    }),
  },
  { name: "logout", write: true, req: (token) => ({ method: "POST", path: "/v1/auth/logout", token }) },
  {
    name: "password",
    write: true,
    req: (token) => ({
      method: "POST",
      path: "/v1/auth/password",
      token,
      json: { currentPassword: "correct horse battery staple", newPassword: "a brand new password" },
    }),
  },
  { name: "me", write: false, req: (token) => ({ path: "/v1/users/me", token }) },
  {
    name: "patch me",
    write: true,
    req: (token) => ({ method: "PATCH", path: "/v1/users/me", token, json: { displayName: "Changed" } }),
  },
  {
    name: "delete me",
    write: true,
    req: (token) => ({
      method: "DELETE",
      path: "/v1/users/me",
      token,
      json: { password: "correct horse battery staple" },
    }),
  },
  { name: "export", write: false, req: (token) => ({ path: "/v1/users/me/export", token }) },
  {
    name: "create log",
    write: true,
    req: (token) => ({
      method: "POST",
      path: "/v1/logs",
      token,
      json: { mealType: "lunch", eatenAt: "2026-11-20T12:00:00+09:00", title: "lost?" },
    }),
  },
  { name: "list logs", write: false, req: (token) => ({ path: "/v1/logs", token }) },
  { name: "get log", write: false, req: (token, id) => ({ path: `/v1/logs/${id}`, token }) },
  {
    name: "patch log",
    write: true,
    req: (token, id) => ({ method: "PATCH", path: `/v1/logs/${id}`, token, json: { title: "changed?" } }),
  },
  {
    name: "delete log",
    write: true,
    req: (token, id) => ({ method: "DELETE", path: `/v1/logs/${id}`, token }),
  },
  {
    name: "create challenge",
    write: true,
    req: (token) => ({
      method: "POST",
      path: "/v1/challenges",
      token,
      json: {
        title: "t",
        description: "d",
        rule: { type: "log_days", target: 2 },
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      },
    }),
  },
  {
    name: "join",
    write: true,
    req: (token) => ({ method: "POST", path: `/v1/challenges/${openChallengeId}/join`, token }),
  },
  { name: "list challenges", write: false, req: (token) => ({ path: "/v1/challenges", token }) },
  { name: "public profile", write: false, req: () => ({ path: `/v1/users/${user.user.id}` }) },
  { name: "ready", write: false, req: () => ({ path: "/health/ready" }) },
];

/** The subset probed under hang and slow (each costs a timeout). */
const TIMED_PROBES = ["login", "refresh", "me", "create log", "patch log", "list logs", "join", "export"];

describe("Neon down, erroring, hanging or slow: 503 problem+json with Retry-After in bounded time, nothing written", () => {
  for (const mode of ["down", "error", "hang", "slow"] as Fault[]) {
    it(`Neon ${mode}`, { timeout: 60_000 }, async () => {
      // Each mode has its own victim: a `slow` write may still land seconds later.
      const victim = await account();
      const logId = (await createLog(victim.accessToken, { title: "must survive" })).id;
      const before = await fingerprint(victim.user.id);
      const timed = mode === "hang" || mode === "slow";
      const bindings: Bindings = { NEON_FETCH_ENDPOINT: neonFault(mode), DB_TIMEOUT_MS: String(DB_MS) };
      const probes = timed ? PROBES.filter((probe) => TIMED_PROBES.includes(probe.name)) : PROBES;
      // Each refused request logs one "database unavailable" warning: keep them out of the output.
      await quietly(async () => {
        for (const probe of probes) {
          const res = await underFault(probe.req(victim.accessToken, logId), bindings);
          // A route that can answer from Redis may still answer 200; anything else is a 503.
          if (res.status !== 503)
            expect([200], `${probe.name} → ${res.status} ${res.text}`).toContain(res.status);
          if (res.status === 503) {
            const problem = expectProblemRes(res, 503, "SERVICE_UNAVAILABLE");
            expect(problem.detail).not.toMatch(/neon|sql|fetch|ECONN|Error/i);
            expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
          }
          expect(res.ms, `${probe.name} took ${res.ms} ms`).toBeLessThan(DB_MS + 1000);
          if (probe.write) expect(res.status, probe.name).toBe(503);
        }
      });
      // Nothing any of them tried was written (a `slow` write is the exception by nature: the
      // database may still commit it after the client gave up; see the idempotent retry below).
      if (mode !== "slow") {
        const now = await fingerprint(victim.user.id);
        if (now !== before) tally.writesByRejected += 1;
        expect(now).toBe(before);
      }
      // And the database answers again at once, with the victim's data whole.
      expect((await send({ path: `/v1/logs/${logId}`, token: victim.accessToken })).status).toBe(200);
    });
  }

  it("with the default DB_TIMEOUT_MS, a hanging database is a 503 within DB_TIMEOUT_MS + 1 s", {
    timeout: 30_000,
  }, async () => {
    const victim = await account();
    const before = await fingerprint(victim.user.id);
    const res = await quietly(() =>
      underFault(
        {
          method: "POST",
          path: "/v1/logs",
          token: victim.accessToken,
          json: { mealType: "lunch", eatenAt: "2026-11-20T12:00:00+09:00", title: "hang" },
        },
        { NEON_FETCH_ENDPOINT: neonFault("hang") },
      ),
    );
    expectProblemRes(res, 503, "SERVICE_UNAVAILABLE");
    expect(res.ms).toBeGreaterThanOrEqual(DB_TIMEOUT_MS - 100);
    expect(res.ms).toBeLessThan(DB_TIMEOUT_MS + 1000);
    expect(await fingerprint(victim.user.id)).toBe(before);
  });

  it("a write that timed out but still committed late is not duplicated by its idempotent retry", {
    timeout: 30_000,
  }, async () => {
    const writer = await account();
    const tag = `late${crypto.randomUUID().slice(0, 8)}`;
    const endpoint = inject("neonHttpUrl").replace(/\/sql$/, `/__fault/slow/__tag/${tag}/sql`);
    const body = { mealType: "lunch", eatenAt: "2026-11-20T12:00:00+09:00", title: "retried lunch" };
    const headers = { "idempotency-key": `retry-${tag}` };
    const timedOut: Res = await quietly(() =>
      underFault(
        { method: "POST", path: "/v1/logs", token: writer.accessToken, json: body, headers },
        { NEON_FETCH_ENDPOINT: endpoint, DB_TIMEOUT_MS: String(DB_MS) },
      ),
    );
    expect(timedOut.status).toBe(503);
    // The client retries at once with the same key: created.
    const retried = await send({
      method: "POST",
      path: "/v1/logs",
      token: writer.accessToken,
      json: body,
      headers,
    });
    expect(retried.status).toBe(201);
    // The first attempt reaches the database ~5 s later (stack/control.ts SLOW_FAULT_MS): it must
    // find the key and create nothing. Its batch counts one more write against the quota: wait for it.
    // (The quota is counted per calendar minute: a new minute starts the count again.)
    const quota = async () =>
      (
        await sql<{ count: string; window_start: string }>(
          "select count, window_start from write_quota where user_id = $1",
          [writer.user.id],
        )
      )[0];
    const afterRetry = await quota();
    await eventually(async () => {
      const now = await quota();
      return Number(now?.count ?? 0) >= 2 || now?.window_start !== afterRetry?.window_start;
    }, 12_000);
    await sleep(500);
    const counts = await rowCounts(writer.user.id);
    tally.rowsLost += Math.max(0, 1 - counts.logs);
    expect(counts.logs).toBe(1);
  });
});

// ---- batches that fail: all or nothing ------------------------------------------------------------

describe("a batch that fails writes nothing of itself", () => {
  it("a session ended between two calls: every write with its access token is refused whole", async () => {
    const owner = await account();
    const logId = (await createLog(owner.accessToken, { title: "kept as is" })).id;
    const ownChallenge = (
      await createChallenge(owner.accessToken, {
        startsAt: new Date(Date.now() + 5 * 86_400_000).toISOString(),
        endsAt: null,
      })
    ).id;
    const second = await sendLogin(owner.email, owner.password);
    // The second device ends every other session (the first one's JWT is still within its 15 min).
    const changed = await send({
      method: "POST",
      path: "/v1/auth/password",
      token: second.body.accessToken,
      json: { currentPassword: owner.password, newPassword: "a whole new passphrase" },
    });
    expect(changed.status).toBe(204);
    const snapshot = await fingerprint(owner.user.id);
    const stale = owner.accessToken;
    const attempts: Req[] = [
      {
        method: "POST",
        path: "/v1/logs",
        token: stale,
        json: { mealType: "lunch", eatenAt: "2026-11-20T12:00:00+09:00", title: "ghost" },
      },
      { method: "PATCH", path: `/v1/logs/${logId}`, token: stale, json: { title: "ghost" } },
      { method: "DELETE", path: `/v1/logs/${logId}`, token: stale },
      { method: "PATCH", path: "/v1/users/me", token: stale, json: { displayName: "ghost" } },
      {
        method: "POST",
        path: "/v1/challenges",
        token: stale,
        json: {
          title: "ghost",
          description: "",
          rule: { type: "log_days", target: 1 },
          startsAt: new Date().toISOString(),
        },
      },
      { method: "PATCH", path: `/v1/challenges/${ownChallenge}`, token: stale, json: { title: "ghost" } },
      { method: "DELETE", path: `/v1/challenges/${ownChallenge}`, token: stale },
      { method: "POST", path: `/v1/challenges/${openChallengeId}/join`, token: stale },
      {
        method: "POST",
        path: "/v1/auth/password",
        token: stale,
        json: { currentPassword: "a whole new passphrase", newPassword: "ghost passphrase" },
      },
      { method: "DELETE", path: "/v1/users/me", token: stale, json: { password: "a whole new passphrase" } },
    ];
    for (const req of attempts) {
      const res = await send(req);
      tally.record(req, res);
      expectProblemRes(res, 401, "UNAUTHENTICATED");
      const now = await fingerprint(owner.user.id);
      if (now !== snapshot) tally.writesByRejected += 1;
      expect(now, `${req.method} ${req.path}`).toBe(snapshot);
    }
  });

  it("an account deleted between two calls: the other session's writes leave no orphan rows", async () => {
    const owner = await account();
    const other = await sendLogin(owner.email, owner.password);
    const deleted = await send({
      method: "DELETE",
      path: "/v1/users/me",
      token: owner.accessToken,
      json: { password: owner.password },
    });
    expect(deleted.status).toBe(204);
    for (const req of [
      {
        method: "POST",
        path: "/v1/logs",
        json: { mealType: "lunch", eatenAt: "2026-11-20T12:00:00+09:00", title: "orphan?" },
      },
      {
        method: "POST",
        path: "/v1/challenges",
        json: {
          title: "orphan",
          description: "",
          rule: { type: "log_days", target: 1 },
          startsAt: new Date().toISOString(),
        },
      },
      { method: "POST", path: `/v1/challenges/${openChallengeId}/join` },
    ] as Req[]) {
      const res = await send({ ...req, token: other.body.accessToken });
      tally.record(req, res);
      expectProblemRes(res, 401);
    }
    const [orphans] = await sql<{ n: string }>(
      `select (select count(*) from meal_logs where user_id = $1) + (select count(*) from challenges where created_by = $1)
            + (select count(*) from challenge_participants where user_id = $1) + (select count(*) from sessions where user_id = $1) as n`,
      [owner.user.id],
    );
    expect(Number(orphans!.n)).toBe(0);
  });

  it("over the write quota, the refused batch writes neither the log nor its count", async () => {
    const writer = await account();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await send(
        {
          method: "POST",
          path: "/v1/logs",
          token: writer.accessToken,
          json: { mealType: "snack", eatenAt: "2026-11-20T12:00:00+09:00", title: `burst ${i}` },
        },
        { RATE_LIMIT_WRITES_PER_USER: "3" },
      );
      tally.record({ method: "POST", path: "/v1/logs" }, res);
      statuses.push(res.status);
    }
    const created = statuses.filter((status) => status === 201).length;
    expect(created).toBeGreaterThanOrEqual(3);
    expect(statuses.filter((status) => status !== 201).every((status) => status === 429)).toBe(true);
    expect((await rowCounts(writer.user.id)).logs).toBe(created);
  });

  it("a statement PostgreSQL refuses midway (a log item naming another user's food) rolls back the whole batch", async () => {
    // The write batch consumes the quota and claims the idempotency key before the insert, whose
    // log_items_snapshot() refuses a food the writer may not see (SK400): none of it may remain.
    const [writer, owner] = await Promise.all([account(), account()]);
    const hidden = await createFood(owner.accessToken, { name: "Someone else's stew" });
    const snapshot = await fingerprint(writer.user.id);
    const body = { mealType: "lunch", eatenAt: "2026-11-20T12:00:00+09:00", title: "Stew" };
    const res = await send({
      method: "POST",
      path: "/v1/logs",
      token: writer.accessToken,
      json: { ...body, items: [{ foodId: hidden.id, grams: 100 }] },
      headers: { "idempotency-key": "refused-midway" },
    });
    expectProblemRes(res, 400);
    expect(JSON.stringify(res.body)).toContain("items.0.foodId");
    expect(await fingerprint(writer.user.id)).toBe(snapshot);
    const [quota] = await sql<{ n: string }>("select count(*) as n from write_quota where user_id = $1", [
      writer.user.id,
    ]);
    expect(Number(quota!.n)).toBe(0);
    // The key was not kept either: the same key with a body that can be written is a new write.
    const retried = await send({
      method: "POST",
      path: "/v1/logs",
      token: writer.accessToken,
      json: { ...body, calories: 500 },
      headers: { "idempotency-key": "refused-midway" },
    });
    expect(retried.status).toBe(201);
  });
});

describe("figures", () => {
  it("no 5xx other than 503 under faults, no write by a failed request, no row lost", () => {
    expect(tally.fiveXX.filter((line) => !line.endsWith("→ 503"))).toEqual([]);
    expect(tally.writesByRejected).toBe(0);
    expect(tally.rowsLost).toBe(0);
  });
});
