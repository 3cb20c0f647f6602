import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildApp } from "../../src/app";
import { hashPassword, randomSalt } from "../../src/lib/password";
import { claimsOf, forgeAccessToken, sessionIdOf } from "../helpers/auth";
import { sql } from "../helpers/db";
import { uniqueIp } from "../helpers/http";
import { countedRoundTrips, roundTripTags, taggedBindings } from "../helpers/round-trips";
import { signUp } from "../helpers/users";

// Issue 15: sign-in, password change and deletion in ONE database round trip, and no Redis round
// trip before it (the per-IP limit is counted in parallel). Counted by the local Neon and Upstash
// endpoints under a tag of each test's own.

/**
 * The app with its Neon and Upstash endpoints tagged; `roundTrips()` reads the tag's counters, and
 * `settled()` waits for the work the calls so far deferred past their answers.
 */
function tagged() {
  const tag = roundTripTags();
  const bindings = { ...env, ...taggedBindings(tag) };
  const app = buildApp();
  const ip = uniqueIp();
  const contexts: ExecutionContext[] = [];
  return {
    call: (method: string, path: string, body: unknown, token?: string) => {
      const context = createExecutionContext();
      contexts.push(context);
      return app.request(
        `http://localhost${path}`,
        {
          method,
          headers: {
            "Content-Type": "application/json",
            "CF-Connecting-IP": ip,
            ...(token && { Authorization: `Bearer ${token}` }),
          },
          body: JSON.stringify(body),
        },
        bindings,
        context,
      );
    },
    roundTrips: () => countedRoundTrips(tag),
    settled: () => Promise.all(contexts.map((context) => waitOnExecutionContext(context))),
  };
}

/**
 * Holds every tagged database request after the first of each call until `release()`: an answer
 * that arrives while requests are held did not wait for them. (The Worker's Neon driver calls the
 * isolate's global `fetch`, which the app shares with the test.)
 */
function holdDatabaseAfterFirst() {
  const realFetch = globalThis.fetch;
  let passed = false;
  const held: Array<() => void> = [];
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.includes("/__tag/") && url.endsWith("/sql")) {
      if (passed) await new Promise<void>((resolve) => held.push(resolve));
      else passed = true;
    }
    return realFetch(input, init);
  });
  return {
    held: () => held.length,
    /** Lets the held requests go, and the next call's first request through again. */
    release: () => {
      for (const resume of held.splice(0)) resume();
      passed = false;
    },
  };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("one database round trip (per-IP limits on, counted in parallel)", () => {
  it("signs in, signs in wrongly and signs in an unknown email in one round trip each", async () => {
    const account = await signUp();
    const { call, roundTrips, settled } = tagged();
    const hold = holdDatabaseAfterFirst();
    const attempts = [
      // email, password, status, requests made after the answer (auth.ts settleSignIn, discardUnverified)
      [account.email, account.password, 200, 1],
      [account.email, "wrong one", 401, 1],
      [`x${account.email}`, "wrong", 401, 0],
    ] as const;
    for (const [email, password, status, after] of attempts) {
      expect((await call("POST", "/v1/auth/login", { email, password })).status).toBe(status);
      expect(hold.held()).toBe(after);
      hold.release();
    }
    await settled();
    expect(await roundTrips()).toEqual({ db: 5, redis: 3 });
  });

  it("changes the password in one round trip", async () => {
    const account = await signUp();
    const { call, roundTrips } = tagged();
    const body = { currentPassword: account.password, newPassword: "a brand new passphrase" };
    expect((await call("POST", "/v1/auth/password", body, account.accessToken)).status).toBe(204);
    expect((await roundTrips()).db).toBe(1);
  });

  it("deletes the account in one round trip", async () => {
    const account = await signUp();
    const { call, roundTrips } = tagged();
    expect(
      (await call("DELETE", "/v1/users/me", { password: account.password }, account.accessToken)).status,
    ).toBe(204);
    expect((await roundTrips()).db).toBe(1);
  });
});

describe("hashes and tokens from before keyed salts", () => {
  it("signs in with an old per-user-salt hash in one round trip; the hash is replaced after the answer", async () => {
    const account = await signUp();
    const old = await hashPassword(account.password, randomSalt(), 1_000);
    await sql("update users set password_hash = $1 where id = $2", [old, account.user.id]);
    const { call, roundTrips, settled } = tagged();
    const credentials = { email: account.email, password: account.password };
    const hold = holdDatabaseAfterFirst();
    expect((await call("POST", "/v1/auth/login", credentials)).status).toBe(200);
    expect(hold.held()).toBe(1);
    hold.release();
    await settled();
    expect((await roundTrips()).db).toBe(2);
    const [row] = await sql<{ password_hash: string }>("select password_hash from users where id = $1", [
      account.user.id,
    ]);
    expect(row?.password_hash).not.toBe(old);
    expect((await call("POST", "/v1/auth/login", credentials)).status).toBe(200);
  });

  it("changes the password and deletes with an access token that carries no salt (read first)", async () => {
    const account = await signUp();
    const identity = { sub: account.user.id, sid: sessionIdOf(account.accessToken) };
    const token = await forgeAccessToken(identity);
    expect(claimsOf(token).pws).toBeUndefined();
    const { call, roundTrips } = tagged();
    const change = { currentPassword: account.password, newPassword: "a brand new passphrase" };
    expect((await call("POST", "/v1/auth/password", change, token)).status).toBe(204);
    expect((await roundTrips()).db).toBe(2);
    expect(
      (await call("POST", "/v1/auth/password", { ...change, currentPassword: "wrong" }, token)).status,
    ).toBe(403);
    expect((await call("DELETE", "/v1/users/me", { password: change.newPassword }, token)).status).toBe(204);
    expect(
      (await call("POST", "/v1/auth/login", { email: account.email, password: change.newPassword })).status,
    ).toBe(401);
  });
});
