import { describe, expect, it } from "vitest";
import {
  ACCESS_TTL,
  authCall,
  cookieFrom,
  expectAuthCookiesCleared,
  REFRESH_TTL,
  setCookie,
} from "../helpers/auth";
import { expectProblem, jsonInit, withBindings } from "../helpers/http";
import { signUp, uniqueEmail } from "../helpers/users";

const app = withBindings({});

const signupAt = (origin: string) =>
  app(
    `${origin}/v1/auth/signup`,
    jsonInit({ email: uniqueEmail(), password: "cookie password", displayName: "Cookie" }),
  );

describe("auth cookies", () => {
  it("are HttpOnly and SameSite=Lax; access on / for 15 min, refresh only on /v1/auth for 30 days", async () => {
    const account = await signUp();
    const access = setCookie(account.cookies, "access_token");
    const refresh = setCookie(account.cookies, "refresh_token");
    expect(access.attributes).toEqual({
      "max-age": String(ACCESS_TTL),
      path: "/",
      httponly: true,
      samesite: "Lax",
    });
    expect(refresh.attributes).toEqual({
      "max-age": String(REFRESH_TTL),
      path: "/v1/auth",
      httponly: true,
      samesite: "Lax",
    });
  });

  it("drop Secure only on plain-http localhost", async () => {
    for (const origin of ["http://localhost:8787", "http://127.0.0.1:8787"]) {
      const response = await signupAt(origin);
      expect(response.status).toBe(201);
      for (const name of ["access_token", "refresh_token"]) {
        expect(setCookie(response.headers.getSetCookie(), name).attributes.secure).toBeUndefined();
      }
    }
  });

  it("are Secure over https, and over plain http anywhere but localhost", async () => {
    for (const origin of ["https://api.example.com", "http://api.example.com", "https://localhost:8787"]) {
      const response = await signupAt(origin);
      expect(response.status).toBe(201);
      const cookies = response.headers.getSetCookie();
      for (const name of ["access_token", "refresh_token"]) {
        expect(setCookie(cookies, name).attributes).toMatchObject({
          secure: true,
          httponly: true,
          samesite: "Lax",
        });
      }
    }
  });

  it("are Secure when cleared over https too", async () => {
    const account = await signUp();
    const response = await app("https://api.example.com/v1/auth/logout", {
      method: "POST",
      headers: { Authorization: `Bearer ${account.accessToken}` },
    });
    expect(response.status).toBe(204);
    const cookies = response.headers.getSetCookie();
    expectAuthCookiesCleared(cookies);
    expect(setCookie(cookies, "access_token").attributes.secure).toBe(true);
    expect(setCookie(cookies, "refresh_token").attributes.secure).toBe(true);
  });

  it("authenticate the /me routes on their own (no Authorization header)", async () => {
    const account = await signUp();
    const cookie = cookieFrom(account.cookies, "access_token");
    const me = await authCall("/v1/users/me", { cookie });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(account.user.id);
    const patched = await authCall("/v1/users/me", {
      method: "PATCH",
      cookie,
      body: { displayName: "Via cookie" },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.displayName).toBe("Via cookie");
    expect((await authCall("/v1/users/me/export", { cookie })).status).toBe(200);
  });

  it("prefer the Authorization header when both are sent", async () => {
    const a = await signUp();
    const b = await signUp();
    const { body } = await authCall("/v1/users/me", {
      token: b.accessToken,
      cookie: cookieFrom(a.cookies, "access_token"),
    });
    expect(body.id).toBe(b.user.id);
    // An invalid header does not fall back to a valid cookie.
    const bad = await authCall("/v1/users/me", {
      headers: { Authorization: "Bearer nope" },
      cookie: cookieFrom(a.cookies, "access_token"),
    });
    await expectProblem(bad.response, 401);
  });

  it("refuse a refresh cookie in place of an access cookie", async () => {
    const account = await signUp();
    const { response } = await authCall("/v1/users/me", {
      cookie: `access_token=${account.refreshToken}`,
    });
    await expectProblem(response, 401);
  });
});
