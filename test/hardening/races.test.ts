import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { backgroundServices } from "../../src/background";
import type { Bindings } from "../../src/config";
import { purgeDeletedAccounts } from "../../src/services/account-purge";
import { JOB_LIMITS } from "../../src/services/scheduled";
import { claimsOf } from "../helpers/auth";
import { createChallenge } from "../helpers/challenges";
import { rowCounts, sql } from "../helpers/db";
import { Tally } from "../helpers/fuzz";
import { createLog } from "../helpers/logs";
import { type Req, type Res, send, sendLogin, violations } from "../helpers/requests";
import { type Account, account } from "../helpers/users";

/**
 * Races: the same thing asked many times at once (double clicks, two tabs, retries on a flaky
 * network). Each race fires its requests in parallel through the Worker and checks that exactly
 * the right number of them won, that the losers got a proper problem+json, and that the database
 * holds exactly one of each thing that must be unique.
 */

const tally = new Tally("races");
let races = 0;
let invariantsChecked = 0;
const N = 8;

afterAll(() => {
  console.log(
    `races: ${races} run, ${tally.cases} parallel requests, ${tally.total5xx} 5xx, ` +
      `${invariantsChecked} invariants checked, ${tally.violations.length} contract violations, ${tally.rowsLost} rows lost`,
  );
});

/** Fires the requests at once; every answer must keep the universal contract. */
async function race(requests: Req[]): Promise<Res[]> {
  races += 1;
  const answers = await Promise.all(requests.map((req) => send(req)));
  answers.forEach((res, i) => {
    const found = tally.record(requests[i]!, res, violations(requests[i]!, res));
    expect(found, `${requests[i]!.method} ${requests[i]!.path}`).toEqual([]);
  });
  return answers;
}

const statuses = (answers: Res[]) => answers.map((res) => res.status).sort();
const invariant = (condition: boolean, what: string) => {
  invariantsChecked += 1;
  expect(condition, what).toBe(true);
};

describe("races", () => {
  it("parallel signups with one email (in any case and spacing): one 201, the rest 409, one account", async () => {
    const local = `race.${crypto.randomUUID()}`;
    const spellings = [
      `${local}@example.com`,
      `${local.toUpperCase()}@EXAMPLE.COM`,
      `  ${local}@Example.com  `,
    ];
    const answers = await race(
      Array.from({ length: N }, (_, i) => ({
        method: "POST",
        path: "/v1/auth/signup",
        json: {
          email: spellings[i % spellings.length],
          password: `password number ${i}`,
          displayName: `Racer ${i}`,
        },
      })),
    );
    const winners = answers.filter((res) => res.status === 201);
    invariant(winners.length === 1, `one 201 (got ${statuses(answers)})`);
    invariant(answers.filter((res) => res.status === 409).length === N - 1, "the rest are 409");
    const [row] = await sql<{ n: string }>("select count(*) as n from users where lower(email) = lower($1)", [
      `${local}@example.com`,
    ]);
    invariant(Number(row!.n) === 1, "one account in the database");
    const winner = answers.indexOf(winners[0]!);
    invariant(
      (await sendLogin(spellings[0]!, `password number ${winner}`)).status === 200,
      "the winner's password signs in",
    );
  });

  it("parallel first logs: every log kept, exactly one first_log badge (and one completion of a 1-day challenge)", async () => {
    const user = await account();
    const challenge = await createChallenge(user.accessToken, { rule: { type: "log_days", target: 1 } });
    expect(
      (await send({ method: "POST", path: `/v1/challenges/${challenge.id}/join`, token: user.accessToken }))
        .status,
    ).toBe(201);
    const answers = await race(
      Array.from({ length: N }, (_, i) => ({
        method: "POST",
        path: "/v1/logs",
        token: user.accessToken,
        json: {
          mealType: "snack",
          eatenAt: new Date(Date.now() - 3_600_000).toISOString(),
          title: `first ${i}`,
        },
      })),
    );
    invariant(
      answers.every((res) => res.status === 201),
      `all 201 (got ${statuses(answers)})`,
    );
    const events = answers.flatMap((res) => res.body.events as { type: string; badge?: { code: string } }[]);
    const awarded = (code: string) =>
      events.filter((event) => event.type === "badge_awarded" && event.badge?.code === code).length;
    invariant(awarded("first_log") === 1, `one first_log award event (got ${awarded("first_log")})`);
    invariant(
      events.filter((event) => event.type === "challenge_completed").length === 1,
      "one completion event",
    );
    invariant(awarded("first_challenge") === 1, "one first_challenge award event");
    const badges = await sql<{ badge_code: string }>(
      "select badge_code from user_badges where user_id = $1",
      [user.user.id],
    );
    invariant(badges.filter((badge) => badge.badge_code === "first_log").length === 1, "one first_log row");
    const counts = await rowCounts(user.user.id);
    tally.rowsLost += Math.max(0, N - counts.logs);
    invariant(counts.logs === N, `all ${N} logs stored (got ${counts.logs})`);
    const mine = await send({ path: "/v1/users/me/badges", token: user.accessToken });
    invariant(
      mine.body.items.filter((badge: { code: string }) => badge.code === "first_log").length === 1,
      "listed once",
    );
  });

  it("parallel joins of one challenge by one user: one 201, the rest 409, one participant", async () => {
    const owner = await account();
    const user = await account();
    const challenge = await createChallenge(owner.accessToken);
    const answers = await race(
      Array.from({ length: N }, () => ({
        method: "POST",
        path: `/v1/challenges/${challenge.id}/join`,
        token: user.accessToken,
      })),
    );
    invariant(answers.filter((res) => res.status === 201).length === 1, `one 201 (got ${statuses(answers)})`);
    invariant(answers.filter((res) => res.status === 409).length === N - 1, "the rest are 409");
    const [row] = await sql<{ n: string }>(
      "select count(*) as n from challenge_participants where challenge_id = $1",
      [challenge.id],
    );
    invariant(Number(row!.n) === 1, "one participant row");
    const seen = await send({ path: `/v1/challenges/${challenge.id}`, token: user.accessToken });
    invariant(
      seen.body.participants === 1 && seen.body.joined === true,
      "the challenge counts one participant",
    );
  });

  it("parallel joins of one challenge by many users: every one joins, the board ranks them all", async () => {
    const owner = await account();
    const users: Account[] = await Promise.all(
      Array.from({ length: 6 }, (_, i) => account({ displayName: `Joiner ${i}` })),
    );
    const challenge = await createChallenge(owner.accessToken);
    const answers = await race(
      users.map((user) => ({
        method: "POST",
        path: `/v1/challenges/${challenge.id}/join`,
        token: user.accessToken,
      })),
    );
    invariant(
      answers.every((res) => res.status === 201),
      `all 201 (got ${statuses(answers)})`,
    );
    const board = await send({
      path: `/v1/challenges/${challenge.id}/leaderboard?limit=100`,
      token: users[0]!.accessToken,
    });
    invariant(board.body.items.length === users.length, "every joiner is on the board");
    invariant(
      new Set(board.body.items.map((item: { rank: number }) => item.rank)).size === users.length,
      "distinct ranks",
    );
  });

  it("the same Idempotency-Key in parallel: one log, every 201 is that same log", async () => {
    const user = await account();
    const body = { mealType: "dinner", eatenAt: "2026-11-20T19:00:00+09:00", title: "double click" };
    const answers = await race(
      Array.from({ length: N }, () => ({
        method: "POST",
        path: "/v1/logs",
        token: user.accessToken,
        json: body,
        headers: { "idempotency-key": "double-click-1" },
      })),
    );
    const created = answers.filter((res) => res.status === 201);
    invariant(created.length >= 1, `at least one 201 (got ${statuses(answers)})`);
    invariant(new Set(created.map((res) => res.body.log.id)).size === 1, "every 201 names the same log");
    invariant(
      answers.every((res) => res.status === 201 || res.status === 409),
      "the others are 409",
    );
    invariant(
      created.filter((res) => res.headers.get("idempotent-replayed") !== "true").length === 1,
      "exactly one is not a replay",
    );
    invariant((await rowCounts(user.user.id)).logs === 1, "one log stored");
  });

  it("the same Idempotency-Key with different bodies in parallel: one log, the others 409", async () => {
    const user = await account();
    const answers = await race(
      Array.from({ length: N }, (_, i) => ({
        method: "POST",
        path: "/v1/logs",
        token: user.accessToken,
        json: { mealType: "lunch", eatenAt: "2026-11-20T12:00:00+09:00", title: `variant ${i}` },
        headers: { "idempotency-key": "one-key-many-bodies" },
      })),
    );
    invariant(answers.filter((res) => res.status === 201).length === 1, `one 201 (got ${statuses(answers)})`);
    invariant(answers.filter((res) => res.status === 409).length === N - 1, "the rest are 409");
    invariant((await rowCounts(user.user.id)).logs === 1, "one log stored");
  });

  it("parallel refreshes of one refresh token: at most one wins, its new pair works, the session survives", async () => {
    const user = await account();
    const answers = await race(
      Array.from({ length: 6 }, () => ({
        method: "POST",
        path: "/v1/auth/refresh",
        json: { refreshToken: user.refreshToken },
      })),
    );
    const winners = answers.filter((res) => res.status === 200);
    invariant(winners.length <= 1, `at most one 200 (got ${statuses(answers)})`);
    invariant(
      answers.every((res) => res.status === 200 || res.status === 401 || res.status === 429),
      "the others are 401 (or 429)",
    );
    const [session] = await sql<{ revoked_at: string | null }>(
      "select revoked_at from sessions where id = $1",
      [claimsOf(user.accessToken).sid],
    );
    invariant(session!.revoked_at === null, "the session is not revoked");
    if (winners.length === 1) {
      const pair = winners[0]!.body;
      invariant(
        (await send({ path: "/v1/users/me", token: pair.accessToken })).status === 200,
        "the new access token works",
      );
      const next = await send({
        method: "POST",
        path: "/v1/auth/refresh",
        json: { refreshToken: pair.refreshToken },
      });
      invariant(next.status === 200, `the new refresh token works (got ${next.status})`);
    } else {
      // Nobody won (all refused): the presented token must still be good.
      const retry = await send({
        method: "POST",
        path: "/v1/auth/refresh",
        json: { refreshToken: user.refreshToken },
      });
      invariant(retry.status === 200, "the token still works");
    }
  });

  it("a log patched and deleted at once: never a 500, and it ends deleted (patched first or not at all)", async () => {
    const user = await account();
    for (let round = 0; round < 5; round++) {
      const log = await createLog(user.accessToken, { title: `round ${round}` });
      const [patched, deleted] = await race([
        {
          method: "PATCH",
          path: `/v1/logs/${log.id}`,
          token: user.accessToken,
          json: { title: "patched", calories: 123 },
        },
        { method: "DELETE", path: `/v1/logs/${log.id}`, token: user.accessToken },
      ]);
      invariant(deleted!.status === 204, `the delete wins its race (got ${deleted!.status})`);
      invariant(
        patched!.status === 200 || patched!.status === 404,
        `the patch is 200 or 404 (got ${patched!.status})`,
      );
      if (patched!.status === 200)
        invariant(patched!.body.log.title === "patched", "a 200 patch answered the patched log");
      invariant((await send({ path: `/v1/logs/${log.id}`, token: user.accessToken })).status === 404, "gone");
    }
    invariant((await rowCounts(user.user.id)).logs === 0, "no log left behind");
  });

  it("two deletes of one log at once: one 204, one 404; two patches at once: the log ends as one of them", async () => {
    const user = await account();
    const log = await createLog(user.accessToken);
    const deletes = await race([
      { method: "DELETE", path: `/v1/logs/${log.id}`, token: user.accessToken },
      { method: "DELETE", path: `/v1/logs/${log.id}`, token: user.accessToken },
    ]);
    invariant(
      JSON.stringify(statuses(deletes)) === "[204,404]",
      `one 204, one 404 (got ${statuses(deletes)})`,
    );
    const other = await createLog(user.accessToken);
    const patches = await race(
      Array.from({ length: 4 }, (_, i) => ({
        method: "PATCH",
        path: `/v1/logs/${other.id}`,
        token: user.accessToken,
        json: { title: `title ${i}`, calories: i },
      })),
    );
    invariant(
      patches.every((res) => res.status === 200),
      "every patch applies",
    );
    const final = await send({ path: `/v1/logs/${other.id}`, token: user.accessToken });
    invariant(
      patches.some(
        (res) => res.body.log.title === final.body.title && res.body.log.calories === final.body.calories,
      ),
      "the stored log is exactly one of the patches (no torn write)",
    );
  });

  // A write whose user is deleted under it fails on the user foreign key (23503), which the app
  // answers as an ended session (401); nothing of the account outlives the deletion.
  it("an account deleted while its writes are in flight: each write is done or refused (401), nothing outlives it", async () => {
    const user = await account();
    const requests: Req[] = [
      {
        method: "DELETE",
        path: "/v1/users/me",
        token: user.accessToken,
        json: { password: user.password },
      },
      ...Array.from({ length: 10 }, (_, i) => ({
        method: "POST",
        path: "/v1/logs",
        token: user.accessToken,
        json: { mealType: "snack", eatenAt: "2026-11-20T12:00:00+09:00", title: `in flight ${i}` },
      })),
    ];
    const answers = await race(requests);
    // At once: no session, and the account marked deleted (or already purged by a concurrent job).
    const [live] = await sql<{ n: string }>(
      "select count(*) as n from users where id = $1 and deleted_at is null",
      [user.user.id],
    );
    invariant(
      (await rowCounts(user.user.id)).live_sessions === 0 && Number(live?.n) === 0,
      "the account ends at once",
    );
    // Then the hourly purge: whatever each write answered, nothing of the account is left.
    const ctx = createExecutionContext();
    const purge = purgeDeletedAccounts(backgroundServices(env as unknown as Bindings, ctx, {}), JOB_LIMITS);
    for (let chunk = 0; chunk < 1_000 && (await rowCounts(user.user.id)).users > 0; chunk++) await purge();
    await waitOnExecutionContext(ctx);
    const counts = await rowCounts(user.user.id);
    invariant(
      counts.users === 0 && counts.logs === 0 && counts.live_sessions === 0,
      "nothing of the account is left",
    );
    invariant(answers[0]!.status === 204, `the deletion succeeds (got ${answers[0]!.status})`);
    invariant(
      answers.slice(1).every((res) => res.status === 201 || res.status === 401),
      `each write is done or refused (got ${statuses(answers.slice(1))})`,
    );
  });
});

describe("figures", () => {
  it("no 5xx, no contract violation, no row lost", () => {
    expect(tally.fiveXX).toEqual([]);
    expect(tally.violations).toEqual([]);
    expect(tally.rowsLost).toBe(0);
  });
});
