import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { backgroundServices } from "../../src/background";
import type { Bindings } from "../../src/config";
import { purgeDeletedAccounts } from "../../src/services/account-purge";
import { runScheduledJobs } from "../../src/services/scheduled";
import { authCall } from "../helpers/auth";
import { createChallenge, join, logToday, OFFICIAL } from "../helpers/challenges";
import { sql } from "../helpers/db";
import { generateDailyLogs } from "../helpers/generate";
import { signUp } from "../helpers/users";

/**
 * An account's deletion answers at once (users.ts) and the hourly job purges its data afterwards in
 * bounded chunks (account-purge.ts). Other suites delete accounts and run the job concurrently over
 * the same database: every assertion is about this test's own users.
 */
const deleteAccount = (token: string, password: string) =>
  authCall("/v1/users/me", { method: "DELETE", token, body: { password } });

/** Rows each table holds for `userId` (the user row itself included). */
async function rowsOf(userId: string) {
  const [row] = await sql<Record<string, number>>(
    `select (select count(*) from users where id = $1)::int as users,
            (select count(*) from meal_logs where user_id = $1)::int as logs,
            (select count(*) from sessions where user_id = $1)::int as sessions,
            (select count(*) from refresh_tokens t join sessions s on s.id = t.session_id where s.user_id = $1)::int as tokens,
            (select count(*) from idempotency_keys where user_id = $1)::int as keys,
            (select count(*) from write_events where user_id = $1)::int as events,
            (select count(*) from user_badges where user_id = $1)::int as badges,
            (select count(*) from challenge_participants where user_id = $1)::int as participations,
            (select count(*) from challenges where created_by = $1)::int as created,
            (select count(*) from write_quota where user_id = $1)::int as quota`,
    [userId],
  );
  return row!;
}

/** A user with something in every table an account owns. */
async function busyUser() {
  const user = await signUp();
  for (let i = 0; i < 3; i++) {
    await logToday(user.accessToken, { tags: ["vegetable"] }).then(() => undefined);
  }
  await authCall("/v1/logs", {
    token: user.accessToken,
    body: { mealType: "lunch", eatenAt: new Date().toISOString(), title: "Keyed" },
    headers: { "idempotency-key": crypto.randomUUID() },
  });
  await join(user.accessToken, OFFICIAL.weekStreak);
  await createChallenge(user.accessToken);
  await generateDailyLogs([user.user.id], () => 40);
  return user;
}

async function purgeChunks(limit: number) {
  const ctx = createExecutionContext();
  const chunk = purgeDeletedAccounts(backgroundServices(env as unknown as Bindings, ctx, {}), {
    purgeRows: limit,
  });
  return { chunk, settle: () => waitOnExecutionContext(ctx) };
}

describe("account deletion, then the purge", () => {
  it("hides the account at once and keeps nothing visible of it", async () => {
    const user = await busyUser();
    expect((await deleteAccount(user.accessToken, user.password)).status).toBe(204);
    expect((await authCall(`/v1/users/${user.user.id}`)).status).toBe(404);
    const [row] = await sql<{ deleted: boolean; email: string }>(
      "select deleted_at is not null as deleted, email from users where id = $1",
      [user.user.id],
    );
    // Unless a concurrent run of the job already purged it: then the row is gone altogether.
    if (row) {
      expect(row.deleted).toBe(true);
      expect(row.email).not.toContain(user.email.split("@")[0]);
    }
    const rows = await rowsOf(user.user.id);
    expect(rows.participations).toBe(0);
    expect(rows.created).toBe(0);
  });

  it("removes everything in chunks of at most the limit per table; a re-run is harmless; others untouched", async () => {
    const doomed = await busyUser();
    const other = await busyUser();
    const otherBefore = await rowsOf(other.user.id);
    expect((await deleteAccount(doomed.accessToken, doomed.password)).status).toBe(204);
    const { chunk, settle } = await purgeChunks(5);
    let chunks = 0;
    // Accounts deleted earlier (by other tests) go first; each chunk is bounded whatever is due.
    while (((await rowsOf(doomed.user.id)).users ?? 0) > 0) {
      const result = await chunk();
      chunks++;
      expect(result.items).toBeLessThanOrEqual(5 * 7);
      expect(chunks).toBeLessThan(2_000);
    }
    await settle();
    // 44 logs alone need 9 chunks of 5 (unless a concurrent run of the job took some).
    expect(chunks).toBeGreaterThan(1);
    expect(Object.values(await rowsOf(doomed.user.id)).every((count) => count === 0)).toBe(true);
    // Again, whole: nothing to find for this account, and nothing else of ours moves.
    const ctx = createExecutionContext();
    await runScheduledJobs(backgroundServices(env as unknown as Bindings, ctx, {}));
    await waitOnExecutionContext(ctx);
    expect(Object.values(await rowsOf(doomed.user.id)).every((count) => count === 0)).toBe(true);
    expect(await rowsOf(other.user.id)).toEqual(otherBefore);
    expect((await authCall("/v1/users/me", { token: other.accessToken })).status).toBe(200);
  });
});
