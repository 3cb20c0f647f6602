import { describe, expect, it } from "vitest";
import { authCall, REFRESH_TTL, sessionIdOf, sha256Hex } from "../helpers/auth";
import { sql } from "../helpers/db";
import { call, expectProblem } from "../helpers/http";
import { getMe, logIn, signUp } from "../helpers/users";

const exportMe = (token: string) => authCall("/v1/users/me/export", { token });

type ExportedSession = {
  id: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  current: boolean;
};

describe("GET /v1/users/me/export", () => {
  it("answers 200 with the profile and the sessions, as a no-store download", async () => {
    const account = await signUp();
    const { status, body, response } = await exportMe(account.accessToken);
    expect(status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename=".+\.json"$/);
    expect(response.headers.get("cache-control")).toBe("no-store");
    // Other features add their own parts (logs, challenges, badges); the account part is this.
    expect(body).toMatchObject({
      exportedAt: expect.any(String),
      profile: (await getMe(account.accessToken)).body,
      sessions: [
        {
          id: sessionIdOf(account.accessToken),
          createdAt: expect.any(String),
          expiresAt: expect.any(String),
          revokedAt: null,
          current: true,
        },
      ],
    });
    const [session] = body.sessions as ExportedSession[];
    const lifetime = Date.parse(session!.expiresAt) - Date.parse(session!.createdAt);
    expect(Math.abs(lifetime - REFRESH_TTL * 1000)).toBeLessThan(60_000);
  });

  it("lists every session, marks the current one, and shows which have ended", async () => {
    const account = await signUp();
    const laptop = await logIn(account.email, account.password);
    const phone = await logIn(account.email, account.password);
    expect((await authCall("/v1/auth/logout", { method: "POST", token: phone.accessToken })).status).toBe(
      204,
    );
    const { body } = await exportMe(laptop.accessToken);
    const sessions = body.sessions as ExportedSession[];
    expect(sessions.map((session) => session.id)).toEqual(
      [account, laptop, phone].map((tokens) => sessionIdOf(tokens.accessToken)),
    );
    const byId = Object.fromEntries(sessions.map((session) => [session.id, session]));
    expect(byId[sessionIdOf(laptop.accessToken)]).toMatchObject({ current: true, revokedAt: null });
    expect(byId[sessionIdOf(account.accessToken)]).toMatchObject({ current: false, revokedAt: null });
    expect(byId[sessionIdOf(phone.accessToken)]).toMatchObject({
      current: false,
      revokedAt: expect.any(String),
    });
  });

  it("never contains the password, its hash, tokens or token hashes", async () => {
    const account = await signUp();
    const refreshed = await authCall("/v1/auth/refresh", { body: { refreshToken: account.refreshToken } });
    const { body } = await exportMe(refreshed.body.accessToken);
    const text = JSON.stringify(body);
    const [{ password_hash: passwordHash }] = (await sql<{ password_hash: string }>(
      "select password_hash from users where id = $1",
      [account.user.id],
    )) as [{ password_hash: string }];
    const secrets = [
      account.password,
      passwordHash,
      passwordHash.split("$")[2]!, // salt
      passwordHash.split("$")[3]!, // hash
      account.accessToken,
      account.refreshToken,
      refreshed.body.accessToken,
      refreshed.body.refreshToken,
      await sha256Hex(account.refreshToken),
      await sha256Hex(refreshed.body.refreshToken),
      account.refreshToken.split(".")[1]!,
    ];
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/pbkdf2|passwordHash|password_hash|tokenHash|token_hash/i);
  });

  it("answers 401 without a token, and from an ended session", async () => {
    await expectProblem(await call("/v1/users/me/export"), 401);
    const account = await signUp();
    expect((await authCall("/v1/auth/logout", { method: "POST", token: account.accessToken })).status).toBe(
      204,
    );
    await expectProblem((await exportMe(account.accessToken)).response, 401);
  });

  it("with B's token exports B only: none of A's profile, sessions or data", async () => {
    const a = await signUp({ displayName: "Alice" });
    const aPhone = await logIn(a.email, a.password);
    const title = `Alice's lunch ${crypto.randomUUID()}`;
    const logged = await authCall("/v1/logs", {
      token: a.accessToken,
      body: { mealType: "lunch", eatenAt: new Date().toISOString(), title },
    });
    expect(logged.status).toBe(201);
    const b = await signUp({ displayName: "Bob" });
    const { body } = await exportMe(b.accessToken);
    expect(body.profile.id).toBe(b.user.id);
    expect(body.sessions.map((session: ExportedSession) => session.id)).toEqual([sessionIdOf(b.accessToken)]);
    const text = JSON.stringify(body);
    for (const leak of [
      a.user.id,
      a.email,
      sessionIdOf(a.accessToken),
      sessionIdOf(aPhone.accessToken),
      title,
    ]) {
      expect(text).not.toContain(leak);
    }
    // A's own export does carry it (the check above is not vacuous).
    expect(JSON.stringify((await exportMe(a.accessToken)).body)).toContain(title);
  });
});
