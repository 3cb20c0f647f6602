import { describe, expect, it } from "vitest";
import { authCall, expectRateLimited, postLogin } from "../helpers/auth";
import { sql } from "../helpers/db";
import { expectProblem, uniqueIp } from "../helpers/http";
import { DEFAULT_PASSWORD, getMe, logIn, signUp, uniqueEmail } from "../helpers/users";
import { awayFromWindowEdge, eventually } from "../helpers/wait";

// wrangler.toml [vars] and src/services/rate-limit.ts.
const LOGIN_FAILURES = { limit: 10, window: 15 * 60 };
const AUTH_PER_IP = { limit: 60, window: 60 };
const SIGNUPS_PER_IP = { limit: 20, window: 60 * 60 };
const REFRESH_PER_SESSION = { limit: 10, window: 60 };

/** Runs `count` calls of `make`, `batch` at a time; returns the statuses in order. */
async function statusesOf(count: number, batch: number, make: (i: number) => Promise<{ status: number }>) {
  const statuses: number[] = [];
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start);
    const results = await Promise.all(Array.from({ length: size }, (_, k) => make(start + k)));
    statuses.push(...results.map((result) => result.status));
  }
  return statuses;
}

describe("failed logins: 10 per email per 15 minutes", () => {
  it("answers the 11th attempt with 429 even with the right password", async () => {
    const account = await signUp();
    // Each attempt from its own address, with the email spelled differently: the count is per account.
    const spellings = [account.email, account.email.toUpperCase(), `  ${account.email} `];
    for (let i = 0; i < LOGIN_FAILURES.limit; i++) {
      const { response } = await postLogin(spellings[i % spellings.length]!, `wrong password ${i}`);
      await expectProblem(response, 401);
    }
    const locked = await postLogin(account.email, account.password);
    const problem = await expectRateLimited(locked.response, LOGIN_FAILURES.limit, LOGIN_FAILURES.window);
    expect(problem.detail).toMatch(/sign-ins/);
    expect(locked.response.headers.getSetCookie()).toEqual([]);
    // Still locked on the next try, from yet another address.
    await expectRateLimited((await postLogin(account.email, account.password)).response, 10, 900);
  });

  it("locks only that account: another account, from the same address, signs in", async () => {
    const ip = uniqueIp();
    const locked = await signUp();
    const other = await signUp();
    for (let i = 0; i <= LOGIN_FAILURES.limit; i++) await postLogin(locked.email, "wrong password", ip);
    await expectRateLimited((await postLogin(locked.email, locked.password, ip)).response, 10, 900);
    expect((await postLogin(other.email, other.password, ip)).status).toBe(200);
    // And the locked account's existing sessions are untouched.
    expect((await getMe(locked.accessToken)).status).toBe(200);
  });

  it("counts unknown emails the same way (no hint that the account does not exist)", async () => {
    const email = uniqueEmail("ghost");
    for (let i = 0; i < LOGIN_FAILURES.limit; i++) {
      await expectProblem((await postLogin(email, "whatever password")).response, 401);
    }
    await expectRateLimited((await postLogin(email, "whatever password")).response, 10, 900);
  });

  // Each attempt is counted atomically before the password is checked, so guesses sent at the same
  // time cannot outrun the limit.
  it("holds under parallel attempts: of 30 simultaneous wrong passwords, exactly 10 are checked", async () => {
    const account = await signUp();
    const statuses = await statusesOf(30, 30, (i) => postLogin(account.email, `parallel guess ${i}`));
    expect(statuses.filter((status) => status === 401).length).toBe(LOGIN_FAILURES.limit);
    expect(statuses.filter((status) => status === 429).length).toBe(30 - LOGIN_FAILURES.limit);
  });

  it("counts wrong current passwords of a password change or a deletion too (a stolen token guesses no faster)", async () => {
    const account = await signUp();
    const statuses = await statusesOf(LOGIN_FAILURES.limit + 2, 4, (i) =>
      i % 2
        ? authCall("/v1/auth/password", {
            token: account.accessToken,
            body: { currentPassword: `guess ${i}`, newPassword: "a brand new passphrase" },
          })
        : authCall("/v1/users/me", {
            method: "DELETE",
            token: account.accessToken,
            body: { password: `guess ${i}` },
          }),
    );
    expect(statuses.filter((status) => status === 403).length).toBe(LOGIN_FAILURES.limit);
    expect(statuses.filter((status) => status === 429).length).toBe(2);
    await expectRateLimited((await postLogin(account.email, account.password)).response, 10, 900);
    expect((await getMe(account.accessToken)).status).toBe(200);
  });

  it("resets the count after a successful login", async () => {
    const account = await signUp();
    for (let i = 0; i < LOGIN_FAILURES.limit - 1; i++) await postLogin(account.email, "wrong password");
    expect((await postLogin(account.email, account.password)).status).toBe(200);
    // Cleared just after the sign-in's response (auth.ts settleSignIn).
    await eventually(async () => {
      const counted = await sql("select 1 from login_failures where email_key = $1", [
        account.email.toLowerCase(),
      ]);
      expect(counted).toEqual([]);
    });
    for (let i = 0; i < LOGIN_FAILURES.limit; i++) {
      await expectProblem((await postLogin(account.email, `wrong again ${i}`)).response, 401);
    }
    await expectRateLimited((await postLogin(account.email, account.password)).response, 10, 900);
  });
});

describe("auth routes: 60 per IP per minute", () => {
  it("answers the 61st request from one address with 429; another address is unaffected", async () => {
    const account = await signUp();
    const ip = uniqueIp();
    await awayFromWindowEdge(AUTH_PER_IP.window, 5_000);
    const statuses = await statusesOf(AUTH_PER_IP.limit, 10, () =>
      postLogin(uniqueEmail("probe"), "wrong password", ip),
    );
    expect(statuses.every((status) => status === 401)).toBe(true);
    const blocked = await postLogin(account.email, account.password, ip);
    const problem = await expectRateLimited(blocked.response, AUTH_PER_IP.limit, AUTH_PER_IP.window);
    expect(problem.detail).toMatch(/address/);
    // The attempt was made (in parallel with the limit) but its answer withheld: the session it
    // opened has ended, and nobody was given its tokens.
    expect(blocked.response.headers.getSetCookie()).toEqual([]);
    const [withheld] = await sql<{ revoked_reason: string | null }>(
      "select revoked_reason from sessions where user_id = $1 order by created_at desc limit 1",
      [account.user.id],
    );
    expect(withheld?.revoked_reason).toBe("rate_limited");
    expect((await postLogin(account.email, account.password, uniqueIp())).status).toBe(200);
  });

  // API.md: "auth routes 60 per IP per minute": refresh (and logout, password, signup) count too.
  it("counts /v1/auth/refresh as an auth route too", async () => {
    const account = await signUp();
    const ip = uniqueIp();
    await awayFromWindowEdge(AUTH_PER_IP.window, 5_000);
    await statusesOf(AUTH_PER_IP.limit, 10, () => postLogin(uniqueEmail("probe"), "wrong password", ip));
    const refreshed = await authCall("/v1/auth/refresh", {
      ip,
      body: { refreshToken: account.refreshToken },
    });
    await expectRateLimited(refreshed.response, AUTH_PER_IP.limit, AUTH_PER_IP.window);
    // The rotation was taken back: the presented token is still the one that works.
    const elsewhere = await authCall("/v1/auth/refresh", {
      ip: uniqueIp(),
      body: { refreshToken: account.refreshToken },
    });
    expect(elsewhere.status).toBe(200);
    expect((await getMe(elsewhere.body.accessToken)).status).toBe(200);
  });
});

describe("signups: 20 per IP per hour", () => {
  it("answers the 21st signup from one address with 429; another address may sign up", async () => {
    const ip = uniqueIp();
    await awayFromWindowEdge(SIGNUPS_PER_IP.window, 5_000);
    const statuses = await statusesOf(SIGNUPS_PER_IP.limit, 5, () =>
      authCall("/v1/auth/signup", {
        ip,
        body: { email: uniqueEmail("bulk"), password: DEFAULT_PASSWORD, displayName: "Bulk" },
      }),
    );
    expect(statuses).toEqual(Array(SIGNUPS_PER_IP.limit).fill(201));
    const email = uniqueEmail("late");
    const body = { email, password: DEFAULT_PASSWORD, displayName: "Late" };
    const blocked = await authCall("/v1/auth/signup", { ip, body });
    await expectRateLimited(blocked.response, SIGNUPS_PER_IP.limit, SIGNUPS_PER_IP.window);
    // Refused before anything was created: the email is still free.
    const elsewhere = await authCall("/v1/auth/signup", { ip: uniqueIp(), body });
    expect(elsewhere.status).toBe(201);
  });
});

describe("refresh: 10 per session per minute", () => {
  it("answers the 11th refresh of one session with 429 and leaves the session alive", async () => {
    const account = await signUp();
    const other = await logIn(account.email, account.password);
    await awayFromWindowEdge(REFRESH_PER_SESSION.window, 3_000);
    let token = account.refreshToken;
    let accessToken = account.accessToken;
    for (let i = 0; i < REFRESH_PER_SESSION.limit; i++) {
      const { status, body } = await authCall("/v1/auth/refresh", { body: { refreshToken: token } });
      expect(status).toBe(200);
      token = body.refreshToken;
      accessToken = body.accessToken;
    }
    const blocked = await authCall("/v1/auth/refresh", { body: { refreshToken: token } });
    await expectRateLimited(blocked.response, REFRESH_PER_SESSION.limit, REFRESH_PER_SESSION.window);
    // The refusal came before the rotation: nothing was revoked.
    expect((await getMe(accessToken)).status).toBe(200);
    // The limit is per session: the user's other session refreshes freely.
    expect((await authCall("/v1/auth/refresh", { body: { refreshToken: other.refreshToken } })).status).toBe(
      200,
    );
  });
});
