import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
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

/** The app with its Neon and Upstash endpoints tagged; `roundTrips()` reads the tag's counters. */
function tagged() {
  const tag = roundTripTags();
  const bindings = { ...env, ...taggedBindings(tag) };
  const app = buildApp();
  const ip = uniqueIp();
  return {
    call: (method: string, path: string, body: unknown, token?: string) =>
      app.request(
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
        createExecutionContext(),
      ),
    roundTrips: () => countedRoundTrips(tag),
  };
}

describe("one database round trip (per-IP limits on, counted in parallel)", () => {
  it("signs in, signs in wrongly and signs in an unknown email in one round trip each", async () => {
    const account = await signUp();
    const { call, roundTrips } = tagged();
    expect(
      (await call("POST", "/v1/auth/login", { email: account.email, password: account.password })).status,
    ).toBe(200);
    expect(await roundTrips()).toEqual({ db: 1, redis: 1 });
    expect(
      (await call("POST", "/v1/auth/login", { email: account.email, password: "wrong one" })).status,
    ).toBe(401);
    expect(
      (await call("POST", "/v1/auth/login", { email: `x${account.email}`, password: "wrong" })).status,
    ).toBe(401);
    expect(await roundTrips()).toEqual({ db: 3, redis: 3 });
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

describe("hashes and tokens from before keyed salts: two round trips, once", () => {
  it("signs in with an old per-user-salt hash in two, then in one (the hash was replaced)", async () => {
    const account = await signUp();
    const old = await hashPassword(account.password, randomSalt(), 1_000);
    await sql("update users set password_hash = $1 where id = $2", [old, account.user.id]);
    const { call, roundTrips } = tagged();
    const credentials = { email: account.email, password: account.password };
    expect((await call("POST", "/v1/auth/login", credentials)).status).toBe(200);
    expect((await roundTrips()).db).toBe(2);
    expect((await call("POST", "/v1/auth/login", credentials)).status).toBe(200);
    expect((await roundTrips()).db).toBe(3);
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
