import { describe, expect, it } from "vitest";
import { authCall, cookieFrom, expectAuthCookiesCleared, postRefresh, sessionIdOf } from "../helpers/auth";
import { call, expectProblem } from "../helpers/http";
import { getMe, logIn, signUp } from "../helpers/users";

const logout = (options: Parameters<typeof authCall>[1] = {}) =>
  authCall("/v1/auth/logout", { method: "POST", ...options });

describe("POST /v1/auth/logout: happy path", () => {
  it("answers 204 with no body and clears both cookies", async () => {
    const account = await signUp();
    const { status, body, response } = await logout({ token: account.accessToken });
    expect(status).toBe(204);
    expect(body).toBeUndefined();
    expectAuthCookiesCleared(response.headers.getSetCookie());
  });

  it("ends the session at once: its access token is refused on the very next request, on every route", async () => {
    const account = await signUp();
    expect((await logout({ token: account.accessToken })).status).toBe(204);
    const token = account.accessToken;
    const attempts = [
      getMe(token),
      authCall("/v1/users/me", { method: "PATCH", token, body: { displayName: "after logout" } }),
      authCall("/v1/users/me/export", { token }),
      authCall("/v1/users/me", { method: "DELETE", token, body: { password: account.password } }),
      authCall("/v1/auth/password", {
        token,
        body: { currentPassword: account.password, newPassword: "a whole new password" },
      }),
    ];
    for (const attempt of await Promise.all(attempts)) {
      expect((await expectProblem(attempt.response, 401)).code).toBe("UNAUTHENTICATED");
    }
    // Nothing above got through: the account and its password are as they were.
    const again = await logIn(account.email, account.password);
    expect(again.user).toEqual(account.user);
  });

  // A single read is one statement whose session check PostgreSQL runs before the first row
  // (db/session-guard.ts guardedRead): it must refuse an ended session even when it finds nothing.
  it("ends the session for reads that find nothing too", async () => {
    const account = await signUp();
    expect((await logout({ token: account.accessToken })).status).toBe(204);
    const token = account.accessToken;
    const empty = [
      "/v1/logs",
      `/v1/logs/${crypto.randomUUID()}`,
      "/v1/foods/recent",
      `/v1/foods/${crypto.randomUUID()}`,
      "/v1/foods?q=nothing%20like%20this",
      "/v1/foods/barcode/4006381333931",
      `/v1/challenges/${crypto.randomUUID()}`,
      `/v1/challenges/${crypto.randomUUID()}/progress`,
      `/v1/logs/${crypto.randomUUID()}/photo`,
    ];
    for (const path of empty) {
      const { response } = await authCall(path, { token });
      expect((await expectProblem(response, 401)).code, path).toBe("UNAUTHENTICATED");
    }
  });

  it("ends the session's refresh token too", async () => {
    const account = await signUp();
    expect((await logout({ token: account.accessToken })).status).toBe(204);
    await expectProblem((await postRefresh(account.refreshToken)).response, 401);
  });

  it("works from the access cookie (a browser, same origin)", async () => {
    const account = await signUp();
    const { status } = await logout({ cookie: cookieFrom(account.cookies, "access_token") });
    expect(status).toBe(204);
    await expectProblem((await getMe(account.accessToken)).response, 401);
  });

  it("works from the refresh token alone (body or cookie), when the access token is gone", async () => {
    const viaBody = await signUp();
    expect((await logout({ body: { refreshToken: viaBody.refreshToken } })).status).toBe(204);
    await expectProblem((await getMe(viaBody.accessToken)).response, 401);
    await expectProblem((await postRefresh(viaBody.refreshToken)).response, 401);

    const viaCookie = await signUp();
    expect((await logout({ cookie: cookieFrom(viaCookie.cookies, "refresh_token") })).status).toBe(204);
    await expectProblem((await getMe(viaCookie.accessToken)).response, 401);
  });

  it("ends only this session: the user's other sessions stay signed in", async () => {
    const account = await signUp();
    const phone = await logIn(account.email, account.password);
    expect((await logout({ token: account.accessToken })).status).toBe(204);
    expect((await getMe(phone.accessToken)).status).toBe(200);
    expect((await postRefresh(phone.refreshToken)).status).toBe(200);
    expect(sessionIdOf(phone.accessToken)).not.toBe(sessionIdOf(account.accessToken));
  });

  it("does not touch another user's session", async () => {
    const a = await signUp();
    const b = await signUp();
    expect((await logout({ token: b.accessToken })).status).toBe(204);
    expect((await getMe(a.accessToken)).status).toBe(200);
    expect((await postRefresh(a.refreshToken)).status).toBe(200);
  });
});

describe("POST /v1/auth/logout: errors", () => {
  it("answers 401 without any token", async () => {
    const { response } = await logout();
    expect((await expectProblem(response, 401)).code).toBe("UNAUTHENTICATED");
  });

  it("answers 401 for an unknown or malformed refresh token", async () => {
    await expectProblem(
      (await logout({ body: { refreshToken: `${crypto.randomUUID()}.${"A".repeat(43)}` } })).response,
      401,
    );
    await expectProblem((await logout({ body: { refreshToken: "nonsense" } })).response, 401);
  });

  it("answers 401 for an access token that is not a valid JWT", async () => {
    const { response } = await logout({ token: "not.a.jwt" });
    await expectProblem(response, 401);
  });

  it("refuses unknown fields and non-JSON bodies", async () => {
    const account = await signUp();
    await expectProblem(
      (await logout({ token: account.accessToken, body: { everywhere: true } })).response,
      400,
    );
    const form = await call("/v1/auth/logout", {
      method: "POST",
      token: account.accessToken,
      rawBody: "all=1",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    await expectProblem(form, 415);
    // Still signed in: neither request did anything.
    expect((await getMe(account.accessToken)).status).toBe(200);
  });
});
