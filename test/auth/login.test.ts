import { describe, expect, it } from "vitest";
import { ACCESS_TTL, authCall, claimsOf, sessionIdOf, setCookie } from "../helpers/auth";
import { sql } from "../helpers/db";
import { expectProblem, uniqueIp, withoutRequestId } from "../helpers/http";
import { getMe, signUp, uniqueEmail } from "../helpers/users";
import { eventually } from "../helpers/wait";

const login = (body: Record<string, unknown>, ip = uniqueIp()) => authCall("/v1/auth/login", { ip, body });

describe("POST /v1/auth/login: happy path", () => {
  it("answers 200 { user, accessToken, refreshToken, expiresIn } and sets both cookies", async () => {
    const account = await signUp();
    const { status, body, response } = await login({ email: account.email, password: account.password });
    expect(status).toBe(200);
    expect(body).toEqual({
      user: account.user,
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: ACCESS_TTL,
    });
    const cookies = response.headers.getSetCookie();
    expect(setCookie(cookies, "access_token").value).toBe(body.accessToken);
    expect(setCookie(cookies, "refresh_token").value).toBe(body.refreshToken);
    expect(setCookie(cookies, "refresh_token").attributes.path).toBe("/v1/auth");
    expect((await getMe(body.accessToken)).body).toEqual(account.user);
  });

  it("opens a new session on each login, leaving the others signed in", async () => {
    const account = await signUp();
    const first = await login({ email: account.email, password: account.password });
    const second = await login({ email: account.email, password: account.password });
    const sessions = [account.accessToken, first.body.accessToken, second.body.accessToken].map(sessionIdOf);
    expect(new Set(sessions).size).toBe(3);
    expect(new Set([account.refreshToken, first.body.refreshToken, second.body.refreshToken]).size).toBe(3);
    for (const token of [account.accessToken, first.body.accessToken, second.body.accessToken]) {
      expect((await getMe(token)).status).toBe(200);
    }
    expect(claimsOf(second.body.accessToken).sub).toBe(account.user.id);
  });

  it("matches the email case-insensitively and ignores surrounding spaces", async () => {
    const account = await signUp({ email: `Mixed-${crypto.randomUUID()}@Example.com` });
    for (const email of [account.email.toLowerCase(), account.email.toUpperCase(), `\t ${account.email}  `]) {
      const { status, body } = await login({ email, password: account.password });
      expect(status).toBe(200);
      expect(body.user.id).toBe(account.user.id);
      expect(body.user.email).toBe(account.email);
    }
  });
});

describe("POST /v1/auth/login: wrong credentials", () => {
  it("gives an unknown email and a wrong password the very same 401", async () => {
    const account = await signUp();
    const unknown = await login({ email: uniqueEmail("nobody"), password: account.password });
    const wrong = await login({ email: account.email, password: `${account.password}!` });
    const a = await expectProblem(unknown.response, 401);
    const b = await expectProblem(wrong.response, 401);
    expect(a.code).toBe("UNAUTHENTICATED");
    expect(withoutRequestId(a)).toEqual(withoutRequestId(b));
    // Nothing else tells them apart either: no cookies, same headers that matter.
    expect(unknown.response.headers.getSetCookie()).toEqual([]);
    expect(wrong.response.headers.getSetCookie()).toEqual([]);
    expect(unknown.response.headers.get("www-authenticate")).toBe(
      wrong.response.headers.get("www-authenticate"),
    );
  });

  // The sign-in's statement opens the session before the Worker has compared the password (auth.ts
  // signIn); a wrong one deletes it just after the 401, and its tokens were never given out.
  it("leaves no session behind for a wrong password", async () => {
    const account = await signUp();
    const sessionsOf = () => sql("select id from sessions where user_id = $1", [account.user.id]);
    const before = await sessionsOf();
    await expectProblem((await login({ email: account.email, password: "not it" })).response, 401);
    await eventually(async () => expect(await sessionsOf()).toEqual(before));
  });

  it("is case-sensitive about the password and does not trim it", async () => {
    const account = await signUp({ password: "Case Sensitive Pass" });
    for (const password of [
      "case sensitive pass",
      "CASE SENSITIVE PASS",
      " Case Sensitive Pass",
      "Case Sensitive Pass ",
    ]) {
      await expectProblem((await login({ email: account.email, password })).response, 401);
    }
    expect((await login({ email: account.email, password: "Case Sensitive Pass" })).status).toBe(200);
  });
});

describe("POST /v1/auth/login: invalid input", () => {
  it.each([
    ["no email", { password: "whatever-123" }, ["email"]],
    ["no password", { email: "kim@example.com" }, ["password"]],
    ["an empty password", { email: "kim@example.com", password: "" }, ["password"]],
    ["a password over 128 characters", { email: "kim@example.com", password: "p".repeat(129) }, ["password"]],
    [
      "an email over 254 characters",
      { email: `${"a".repeat(64)}@${"b".repeat(190)}.com`, password: "x" },
      ["email"],
    ],
    ["a malformed email", { email: "kim at example.com", password: "whatever-123" }, ["email"]],
  ])("refuses %s with 400", async (_label, body, paths) => {
    const problem = await expectProblem((await login(body)).response, 400);
    expect(problem.code).toBe("INVALID_INPUT");
    expect(problem.errors?.map((error) => error.path)).toEqual(paths);
  });

  it("refuses unknown fields", async () => {
    const account = await signUp();
    const { response } = await login({ email: account.email, password: account.password, rememberMe: true });
    const problem = await expectProblem(response, 400);
    expect(problem.errors?.[0]?.message).toContain("rememberMe");
  });
});
