import { describe, expect, it } from "vitest";
import { authCall, cookieFrom, expectAuthCookiesCleared, postLogin, postRefresh } from "../helpers/auth";
import { call, expectProblem, withoutRequestId } from "../helpers/http";
import { getMe, logIn, signUp } from "../helpers/users";

const deleteMe = (token: string, body?: unknown) =>
  authCall("/v1/users/me", { method: "DELETE", token, body });

describe("DELETE /v1/users/me: happy path", () => {
  it("answers 204, clears the cookies, and ends the caller's session (access and refresh)", async () => {
    const account = await signUp();
    const { status, body, response } = await deleteMe(account.accessToken, { password: account.password });
    expect(status).toBe(204);
    expect(body).toBeUndefined();
    expectAuthCookiesCleared(response.headers.getSetCookie());
    expect((await expectProblem((await getMe(account.accessToken)).response, 401)).code).toBe(
      "UNAUTHENTICATED",
    );
    await expectProblem((await postRefresh(account.refreshToken)).response, 401);
    await expectProblem(
      (await authCall("/v1/users/me/export", { token: account.accessToken })).response,
      401,
    );
    await expectProblem((await deleteMe(account.accessToken, { password: account.password })).response, 401);
  });

  it("ends every other session of the user too", async () => {
    const account = await signUp();
    const phone = await logIn(account.email, account.password);
    expect((await deleteMe(account.accessToken, { password: account.password })).status).toBe(204);
    await expectProblem((await getMe(phone.accessToken)).response, 401);
    await expectProblem((await postRefresh(phone.refreshToken)).response, 401);
  });

  it("removes the account: login answers like an unknown email, and the email can sign up again", async () => {
    const account = await signUp();
    expect((await deleteMe(account.accessToken, { password: account.password })).status).toBe(204);
    const gone = await expectProblem((await postLogin(account.email, account.password)).response, 401);
    const unknown = await expectProblem(
      (await postLogin(`nobody-${crypto.randomUUID()}@example.com`, account.password)).response,
      401,
    );
    expect(withoutRequestId(gone)).toEqual(withoutRequestId(unknown));
    const again = await signUp({ email: account.email.toUpperCase() });
    expect(again.user.id).not.toBe(account.user.id);
    expect(again.user.displayName).toBe("Test User");
    // The new account starts empty: none of the old sessions reach it.
    await expectProblem((await getMe(account.accessToken)).response, 401);
    const exported = await authCall("/v1/users/me/export", { token: again.accessToken });
    expect(exported.body.sessions).toHaveLength(1);
  });

  it("works from the access cookie (same origin)", async () => {
    const account = await signUp();
    const { status } = await authCall("/v1/users/me", {
      method: "DELETE",
      cookie: cookieFrom(account.cookies, "access_token"),
      body: { password: account.password },
    });
    expect(status).toBe(204);
    await expectProblem((await postLogin(account.email, account.password)).response, 401);
  });
});

describe("DELETE /v1/users/me: errors", () => {
  it("answers 403 for a wrong password and keeps everything", async () => {
    const account = await signUp();
    const { response } = await deleteMe(account.accessToken, { password: `${account.password}?` });
    expect((await expectProblem(response, 403)).code).toBe("FORBIDDEN");
    expect((await getMe(account.accessToken)).status).toBe(200);
    expect((await postRefresh(account.refreshToken)).status).toBe(200);
    expect((await logIn(account.email, account.password)).user.id).toBe(account.user.id);
  });

  it("answers 400 when the password is missing (no body, or an empty object)", async () => {
    const account = await signUp();
    for (const body of [undefined, {}, { password: "" }, { password: null }]) {
      const problem = await expectProblem((await deleteMe(account.accessToken, body)).response, 400);
      expect(problem.code).toBe("INVALID_INPUT");
      expect(problem.errors?.map((error) => error.path)).toEqual(["password"]);
    }
    expect((await getMe(account.accessToken)).status).toBe(200);
  });

  it("refuses an over-long password, unknown fields and non-JSON bodies with 4xx, keeping the account", async () => {
    const account = await signUp();
    await expectProblem((await deleteMe(account.accessToken, { password: "p".repeat(129) })).response, 400);
    await expectProblem(
      (await deleteMe(account.accessToken, { password: account.password, userId: crypto.randomUUID() }))
        .response,
      400,
    );
    const form = await call("/v1/users/me", {
      method: "DELETE",
      token: account.accessToken,
      rawBody: `password=${account.password}`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    await expectProblem(form, 415);
    expect((await getMe(account.accessToken)).status).toBe(200);
  });

  it("answers 401 without a token", async () => {
    const { response } = await authCall("/v1/users/me", { method: "DELETE", body: { password: "whatever" } });
    await expectProblem(response, 401);
  });
});

describe("DELETE /v1/users/me: another user's token", () => {
  it("deletes B with B's token (and B's password) and leaves A untouched", async () => {
    const a = await signUp();
    const b = await signUp();
    expect((await deleteMe(b.accessToken, { password: b.password })).status).toBe(204);
    const me = await getMe(a.accessToken);
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(a.user.id);
    expect((await postRefresh(a.refreshToken)).status).toBe(200);
    expect((await logIn(a.email, a.password)).user.id).toBe(a.user.id);
  });

  it("cannot delete A with B's token, even knowing A's password", async () => {
    const a = await signUp({ password: "alice's own password" });
    const b = await signUp();
    const { response } = await deleteMe(b.accessToken, { password: a.password });
    await expectProblem(response, 403);
    expect((await getMe(a.accessToken)).status).toBe(200);
    expect((await getMe(b.accessToken)).status).toBe(200);
  });
});
