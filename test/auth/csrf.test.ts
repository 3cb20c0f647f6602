import { describe, expect, it } from "vitest";
import { ALLOWED_ORIGINS, authCall, cookieFrom, EVIL_ORIGIN, OWN_ORIGIN } from "../helpers/auth";
import { expectProblem, withBindings } from "../helpers/http";
import { getMe, signUp } from "../helpers/users";

/** Origins a browser could send that are not on the allow-list (exact matches only). */
const FOREIGN_ORIGINS = [
  EVIL_ORIGIN,
  "null",
  "http://localhost:3000.evil.example",
  "http://localhost:30000",
  "https://localhost:3000",
  "http://localhost",
];

const accessCookie = (account: { cookies: string[] }) => cookieFrom(account.cookies, "access_token");
const refreshCookie = (account: { cookies: string[] }) => cookieFrom(account.cookies, "refresh_token");

describe("CSRF: cookie-authenticated writes from a foreign origin are refused", () => {
  it("PATCH /v1/users/me with only the cookie: 403 for every foreign origin, profile unchanged", async () => {
    const account = await signUp();
    for (const origin of FOREIGN_ORIGINS) {
      const { response } = await authCall("/v1/users/me", {
        method: "PATCH",
        cookie: accessCookie(account),
        origin,
        body: { displayName: "pwned" },
      });
      expect((await expectProblem(response, 403)).code).toBe("FORBIDDEN");
    }
    expect((await getMe(account.accessToken)).body.displayName).toBe(account.user.displayName);
  });

  it("POST /v1/auth/logout with the access cookie: 403, session still alive", async () => {
    const account = await signUp();
    const { response } = await authCall("/v1/auth/logout", {
      method: "POST",
      cookie: cookieFrom(account.cookies, "access_token", "refresh_token"),
      origin: EVIL_ORIGIN,
    });
    await expectProblem(response, 403);
    expect((await getMe(account.accessToken)).status).toBe(200);
  });

  it("POST /v1/auth/logout with only the refresh cookie: 403, session still alive", async () => {
    const account = await signUp();
    const { response } = await authCall("/v1/auth/logout", {
      method: "POST",
      cookie: refreshCookie(account),
      origin: EVIL_ORIGIN,
    });
    await expectProblem(response, 403);
    expect((await getMe(account.accessToken)).status).toBe(200);
  });

  it("POST /v1/auth/refresh from the cookie: 403, and the token is not spent", async () => {
    const account = await signUp();
    const { response } = await authCall("/v1/auth/refresh", {
      method: "POST",
      cookie: refreshCookie(account),
      origin: EVIL_ORIGIN,
    });
    await expectProblem(response, 403);
    const legit = await authCall("/v1/auth/refresh", { body: { refreshToken: account.refreshToken } });
    expect(legit.status).toBe(200);
  });

  it("DELETE /v1/users/me with the cookie: 403, account kept", async () => {
    const account = await signUp();
    const { response } = await authCall("/v1/users/me", {
      method: "DELETE",
      cookie: accessCookie(account),
      origin: EVIL_ORIGIN,
      body: { password: account.password },
    });
    await expectProblem(response, 403);
    expect((await getMe(account.accessToken)).status).toBe(200);
  });
});

describe("CSRF: what is not refused", () => {
  it("cookie writes from the allowed origins and from the API's own origin", async () => {
    const account = await signUp();
    for (const origin of [...ALLOWED_ORIGINS, OWN_ORIGIN]) {
      const { status, body } = await authCall("/v1/users/me", {
        method: "PATCH",
        cookie: accessCookie(account),
        origin,
        body: { displayName: `from ${origin}` },
      });
      expect(status).toBe(200);
      expect(body.displayName).toBe(`from ${origin}`);
    }
  });

  it("the API's own origin over https (a deployed same-origin page)", async () => {
    const account = await signUp();
    const app = withBindings({});
    const response = await app("https://api.example.com/v1/users/me", {
      method: "PATCH",
      headers: {
        "content-type": "application/json",
        Cookie: accessCookie(account),
        Origin: "https://api.example.com",
      },
      body: JSON.stringify({ displayName: "same origin" }),
    });
    expect(response.status).toBe(200);
  });

  it("cookie writes without an Origin header (not a browser cross-site request)", async () => {
    const account = await signUp();
    const { status } = await authCall("/v1/users/me", {
      method: "PATCH",
      cookie: accessCookie(account),
      body: { displayName: "no origin" },
    });
    expect(status).toBe(200);
  });

  it("Bearer-authenticated writes, whatever the Origin", async () => {
    const account = await signUp();
    const patched = await authCall("/v1/users/me", {
      method: "PATCH",
      token: account.accessToken,
      origin: EVIL_ORIGIN,
      body: { displayName: "bearer" },
    });
    expect(patched.status).toBe(200);
    const refreshed = await authCall("/v1/auth/refresh", {
      origin: EVIL_ORIGIN,
      body: { refreshToken: account.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    const out = await authCall("/v1/auth/logout", {
      method: "POST",
      token: refreshed.body.accessToken,
      origin: EVIL_ORIGIN,
    });
    expect(out.status).toBe(204);
  });

  it("safe methods with the cookie from a foreign origin are served, but without CORS headers to read them", async () => {
    const account = await signUp();
    const { status, response } = await authCall("/v1/users/me", {
      cookie: accessCookie(account),
      origin: EVIL_ORIGIN,
    });
    expect(status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("allowed origins get credentialed CORS on the auth and user routes", async () => {
    const account = await signUp();
    const { response } = await authCall("/v1/users/me", {
      cookie: accessCookie(account),
      origin: ALLOWED_ORIGINS[1],
    });
    expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGINS[1]);
    expect(response.headers.get("access-control-allow-credentials")).toBe("true");
    const preflight = await authCall("/v1/auth/refresh", {
      method: "OPTIONS",
      origin: ALLOWED_ORIGINS[0],
      headers: { "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.response.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGINS[0]);
    expect(preflight.response.headers.get("access-control-allow-credentials")).toBe("true");
  });
});
