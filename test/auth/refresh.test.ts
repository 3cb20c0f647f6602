import { describe, expect, it } from "vitest";
import {
  ACCESS_TTL,
  ALLOWED_ORIGINS,
  ageRotations,
  authCall,
  cookieFrom,
  expectAuthCookiesCleared,
  postRefresh,
  sessionIdOf,
  setCookie,
} from "../helpers/auth";
import { sql } from "../helpers/db";
import { expectProblem } from "../helpers/http";
import { getMe, signUp } from "../helpers/users";

const refreshWithCookie = (cookie: string, origin?: string) =>
  authCall("/v1/auth/refresh", { method: "POST", cookie, origin });

describe("POST /v1/auth/refresh: happy path", () => {
  it("exchanges a refresh token from the body for a new pair in the same session", async () => {
    const account = await signUp();
    const { status, body, response } = await postRefresh(account.refreshToken);
    expect(status).toBe(200);
    expect(body).toEqual({
      user: account.user,
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: ACCESS_TTL,
    });
    expect(body.refreshToken).not.toBe(account.refreshToken);
    expect(sessionIdOf(body.accessToken)).toBe(sessionIdOf(account.accessToken));
    const cookies = response.headers.getSetCookie();
    expect(setCookie(cookies, "access_token").value).toBe(body.accessToken);
    expect(setCookie(cookies, "refresh_token").value).toBe(body.refreshToken);
    expect((await getMe(body.accessToken)).status).toBe(200);
  });

  it("rotates on every use: each new token works once, in a chain", async () => {
    const account = await signUp();
    let token = account.refreshToken;
    const seen = new Set([token]);
    for (let i = 0; i < 4; i++) {
      const { status, body } = await postRefresh(token);
      expect(status).toBe(200);
      expect(seen.has(body.refreshToken)).toBe(false);
      seen.add(body.refreshToken);
      token = body.refreshToken;
    }
  });

  it("takes the refresh token from the cookie when the body has none, and rotates the cookie", async () => {
    const account = await signUp();
    const first = await refreshWithCookie(cookieFrom(account.cookies, "refresh_token"));
    expect(first.status).toBe(200);
    const rotated = first.response.headers.getSetCookie();
    expect(setCookie(rotated, "refresh_token").value).toBe(first.body.refreshToken);
    expect(setCookie(rotated, "refresh_token").value).not.toBe(account.refreshToken);
    // The rotated cookie is the one that works next; the browser flow goes on with it alone.
    const second = await refreshWithCookie(cookieFrom(rotated, "refresh_token"), ALLOWED_ORIGINS[0]);
    expect(second.status).toBe(200);
  });

  it("returns the profile as it is now (not as it was at sign-in)", async () => {
    const account = await signUp();
    const patched = await authCall("/v1/users/me", {
      method: "PATCH",
      token: account.accessToken,
      body: {
        displayName: "Renamed",
        timezone: "Europe/Berlin",
        dayStartHour: 4,
        goals: { calories: 1800, fatG: 60 },
      },
    });
    expect(patched.status).toBe(200);
    const { body } = await postRefresh(account.refreshToken);
    expect(body.user).toEqual(patched.body);
    expect(body.user).toEqual((await getMe(body.accessToken)).body);
  });

  it("leaves the previous access token valid (a refresh does not end the session)", async () => {
    const account = await signUp();
    expect((await postRefresh(account.refreshToken)).status).toBe(200);
    expect((await getMe(account.accessToken)).status).toBe(200);
  });
});

describe("POST /v1/auth/refresh: refused tokens", () => {
  it("answers 401 when no refresh token is sent at all", async () => {
    const none = await authCall("/v1/auth/refresh", { method: "POST" });
    expect((await expectProblem(none.response, 401)).code).toBe("UNAUTHENTICATED");
    const empty = await authCall("/v1/auth/refresh", { body: {} });
    await expectProblem(empty.response, 401);
  });

  it.each([
    ["garbage", "not-a-token"],
    ["a bare session id", crypto.randomUUID()],
    ["an unknown session", `${crypto.randomUUID()}.${"A".repeat(43)}`],
    ["a short secret", `${crypto.randomUUID()}.abc`],
    ["an extra segment", `${crypto.randomUUID()}.${"A".repeat(43)}.x`],
  ])("answers 401 for %s", async (_label, token) => {
    const { response } = await postRefresh(token);
    await expectProblem(response, 401);
  });

  it("refuses an over-long token (400) and unknown fields (400)", async () => {
    const account = await signUp();
    await expectProblem((await postRefresh("x".repeat(201))).response, 400);
    const extra = await authCall("/v1/auth/refresh", {
      body: { refreshToken: account.refreshToken, userId: "x" },
    });
    await expectProblem(extra.response, 400);
    // Neither spent the token.
    expect((await postRefresh(account.refreshToken)).status).toBe(200);
  });

  it("clears the auth cookies when it refuses a token", async () => {
    const { response } = await refreshWithCookie(`refresh_token=${crypto.randomUUID()}.${"B".repeat(43)}`);
    await expectProblem(response.clone(), 401);
    expectAuthCookiesCleared(response.headers.getSetCookie());
  });

  it("does not let a forged token for a real session end that session", async () => {
    const account = await signUp();
    const forged = `${sessionIdOf(account.accessToken)}.${"A".repeat(43)}`;
    await expectProblem((await postRefresh(forged)).response, 401);
    expect((await getMe(account.accessToken)).status).toBe(200);
    expect((await postRefresh(account.refreshToken)).status).toBe(200);
  });

  it("refuses the refresh token of a session that has expired", async () => {
    const account = await signUp();
    await sql("update sessions set expires_at = now() - interval '1 second' where id = $1", [
      sessionIdOf(account.accessToken),
    ]);
    await expectProblem((await postRefresh(account.refreshToken)).response, 401);
    await expectProblem((await getMe(account.accessToken)).response, 401);
  });

  it("refuses the refresh token of a session that was logged out", async () => {
    const account = await signUp();
    expect((await authCall("/v1/auth/logout", { method: "POST", token: account.accessToken })).status).toBe(
      204,
    );
    await expectProblem((await postRefresh(account.refreshToken)).response, 401);
  });
});

describe("POST /v1/auth/refresh: reuse of a rotated token", () => {
  it("refuses a token presented again within the grace period, without ending the session", async () => {
    const account = await signUp();
    const rotated = await postRefresh(account.refreshToken);
    expect(rotated.status).toBe(200);
    await expectProblem((await postRefresh(account.refreshToken)).response, 401);
    expect((await getMe(rotated.body.accessToken)).status).toBe(200);
    expect((await postRefresh(rotated.body.refreshToken)).status).toBe(200);
  });

  it("answers 401 and ends the whole session: the new refresh and access tokens stop working too", async () => {
    const account = await signUp();
    const rotated = await postRefresh(account.refreshToken);
    expect(rotated.status).toBe(200);
    await ageRotations(account.accessToken);
    // The old token shows up again, long after its rotation: someone copied it. The session is
    // over for everyone.
    const reuse = await postRefresh(account.refreshToken);
    expect((await expectProblem(reuse.response, 401)).code).toBe("UNAUTHENTICATED");
    await expectProblem((await postRefresh(rotated.body.refreshToken)).response, 401);
    await expectProblem((await getMe(rotated.body.accessToken)).response, 401);
    await expectProblem((await getMe(account.accessToken)).response, 401);
  });

  it("ends the session when a token is replayed after its successor was itself used", async () => {
    const account = await signUp();
    const first = await postRefresh(account.refreshToken);
    const second = await postRefresh(first.body.refreshToken);
    expect(second.status).toBe(200);
    await expectProblem((await postRefresh(account.refreshToken)).response, 401);
    await expectProblem((await postRefresh(second.body.refreshToken)).response, 401);
    await expectProblem((await getMe(second.body.accessToken)).response, 401);
  });

  it("ends only that session: the user's other sessions keep working", async () => {
    const account = await signUp();
    const other = await authCall("/v1/auth/login", {
      body: { email: account.email, password: account.password },
    });
    expect((await postRefresh(account.refreshToken)).status).toBe(200);
    await ageRotations(account.accessToken);
    await expectProblem((await postRefresh(account.refreshToken)).response, 401);
    expect((await getMe(other.body.accessToken)).status).toBe(200);
    expect((await postRefresh(other.body.refreshToken)).status).toBe(200);
  });

  it("detects reuse through the cookie as well", async () => {
    const account = await signUp();
    const cookie = cookieFrom(account.cookies, "refresh_token");
    const rotated = await refreshWithCookie(cookie);
    expect(rotated.status).toBe(200);
    await ageRotations(account.accessToken);
    await expectProblem((await refreshWithCookie(cookie)).response, 401);
    await expectProblem((await getMe(rotated.body.accessToken)).response, 401);
  });
});

describe("POST /v1/auth/refresh: parallel use of one token", () => {
  it("lets at most one of 5 parallel refreshes succeed; the others get 401", async () => {
    const account = await signUp();
    const results = await Promise.all(Array.from({ length: 5 }, () => postRefresh(account.refreshToken)));
    const statuses = results.map((result) => result.status);
    expect(statuses.filter((status) => status === 200).length).toBeLessThanOrEqual(1);
    expect(statuses.filter((status) => status !== 200).every((status) => status === 401)).toBe(true);
    for (const loser of results.filter((result) => result.status === 401)) {
      await expectProblem(loser.response, 401);
    }
  });

  // A token presented again within the grace period of its rotation is a client racing itself (two
  // tabs): the losers get 401 and the session lives on. Several rounds, as the interleavings vary.
  it("keeps the session alive: the winner's new refresh token works afterwards", async () => {
    for (let round = 0; round < 10; round++) {
      const account = await signUp();
      const results = await Promise.all(Array.from({ length: 5 }, () => postRefresh(account.refreshToken)));
      const winners = results.filter((result) => result.status === 200);
      expect(winners).toHaveLength(1);
      const next = await postRefresh(winners[0]!.body.refreshToken);
      expect(next.status).toBe(200);
      expect((await getMe(next.body.accessToken)).status).toBe(200);
    }
  });
});
