import { describe, expect, it } from "vitest";
import {
  ACCESS_TTL,
  authCall,
  base64UrlJson,
  claimsOf,
  forgeAccessToken,
  headerOf,
  JWT,
  sessionIdOf,
} from "../helpers/auth";
import { nowSeconds } from "../helpers/dates";
import { expectProblem, jsonInit, withBindings } from "../helpers/http";
import { getMe, signUp } from "../helpers/users";

const identityOf = (account: { accessToken: string }) => ({
  sub: claimsOf(account.accessToken).sub as string,
  sid: sessionIdOf(account.accessToken),
});

/**
 * Asserts the token is refused on /v1/users/me with 401; a token that fails verification (rather
 * than naming a session that has ended) also gets a Bearer challenge.
 */
async function expectRefused(token: string, { invalidToken = true } = {}) {
  const { response } = await getMe(token);
  const challenge = response.headers.get("www-authenticate");
  const problem = await expectProblem(response, 401);
  expect(problem.code).toBe("UNAUTHENTICATED");
  if (invalidToken) expect(challenge).toMatch(/^Bearer realm="sikdan", error="invalid_token"/);
}

describe("access token", () => {
  it("is an HS256 JWT with sub, sid, pws, iat, exp (15 min), iss and aud", async () => {
    const account = await signUp();
    expect(headerOf(account.accessToken)).toEqual({ alg: "HS256", typ: "JWT" });
    const claims = claimsOf(account.accessToken);
    expect(claims).toEqual({
      sub: account.user.id,
      sid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      // The password salt (key id . 16 bytes), for a password change or deletion in one round trip.
      pws: expect.stringMatching(/^[\w-]{8}\.[\w-]{22}$/),
      iat: expect.any(Number),
      exp: (claims.iat as number) + ACCESS_TTL,
      iss: JWT.issuer,
      aud: JWT.audience,
    });
    // Nothing personal rides in the token.
    expect(JSON.stringify(claims)).not.toContain(account.email);
  });

  it("is accepted when signed by hand with the same secret and claims (the attacks below are controlled)", async () => {
    const account = await signUp();
    expect((await getMe(await forgeAccessToken(identityOf(account)))).status).toBe(200);
  });

  it("is also accepted with aud given as an array containing the audience", async () => {
    const account = await signUp();
    const token = await forgeAccessToken(identityOf(account), { aud: ["other-api", JWT.audience] });
    expect((await getMe(token)).status).toBe(200);
  });
});

describe("refresh token", () => {
  it("is opaque (no JWT), random, and names only its session", async () => {
    const account = await signUp();
    const [sessionId, secret, ...rest] = account.refreshToken.split(".");
    expect(rest).toEqual([]);
    expect(sessionId).toBe(sessionIdOf(account.accessToken));
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(account.refreshToken).not.toContain(account.user.id);
  });
});

describe("access token attacks", () => {
  it("refuses a token whose payload was changed (signature no longer matches)", async () => {
    const victim = await signUp();
    const attacker = await signUp();
    const [header, , signature] = attacker.accessToken.split(".");
    const payload = base64UrlJson({
      ...claimsOf(attacker.accessToken),
      sub: victim.user.id,
      sid: sessionIdOf(victim.accessToken),
    });
    await expectRefused(`${header}.${payload}.${signature}`);
  });

  it("refuses a token whose signature was tampered with", async () => {
    const account = await signUp();
    const [header, payload, signature] = account.accessToken.split(".");
    const flipped = `${signature!.slice(0, -2)}${signature!.endsWith("AA") ? "BB" : "AA"}`;
    await expectRefused(`${header}.${payload}.${flipped}`);
    await expectRefused(`${header}.${payload}.`);
    await expectRefused(`${header}.${payload}`);
  });

  it("refuses alg: none (unsigned) tokens", async () => {
    const account = await signUp();
    const payload = base64UrlJson(claimsOf(account.accessToken));
    for (const alg of ["none", "None", "NONE"]) {
      await expectRefused(`${base64UrlJson({ alg, typ: "JWT" })}.${payload}.`);
    }
  });

  it("refuses another algorithm even with the right secret (HS512, HS384)", async () => {
    const account = await signUp();
    await expectRefused(await forgeAccessToken(identityOf(account), {}, JWT.secret, "HS512"));
    await expectRefused(await forgeAccessToken(identityOf(account), {}, JWT.secret, "HS384"));
  });

  it("refuses a token signed with another secret", async () => {
    const account = await signUp();
    await expectRefused(
      await forgeAccessToken(identityOf(account), {}, "some-other-secret-0123456789abcdef-xyz"),
    );
  });

  it("refuses an expired token, and one without exp", async () => {
    const account = await signUp();
    const past = nowSeconds() - 2 * ACCESS_TTL;
    await expectRefused(await forgeAccessToken(identityOf(account), { iat: past, exp: past + ACCESS_TTL }));
    await expectRefused(await forgeAccessToken(identityOf(account), { exp: nowSeconds() - 1 }));
    await expectRefused(await forgeAccessToken(identityOf(account), { exp: undefined }));
  });

  it("refuses a wrong or missing audience", async () => {
    const account = await signUp();
    await expectRefused(await forgeAccessToken(identityOf(account), { aud: "sikdan-admin" }));
    await expectRefused(await forgeAccessToken(identityOf(account), { aud: ["sikdan-admin"] }));
    await expectRefused(await forgeAccessToken(identityOf(account), { aud: undefined }));
  });

  it("refuses a wrong or missing issuer", async () => {
    const account = await signUp();
    await expectRefused(await forgeAccessToken(identityOf(account), { iss: "evil" }));
    await expectRefused(await forgeAccessToken(identityOf(account), { iss: undefined }));
  });

  it("refuses tokens whose sub or sid are missing or not ids", async () => {
    const account = await signUp();
    await expectRefused(await forgeAccessToken(identityOf(account), { sub: undefined }));
    await expectRefused(await forgeAccessToken(identityOf(account), { sid: undefined }));
    await expectRefused(await forgeAccessToken(identityOf(account), { sub: "1 or 1=1" }));
    await expectRefused(await forgeAccessToken(identityOf(account), { sid: 42 }));
  });

  it("refuses a validly signed token for a session that does not exist", async () => {
    const account = await signUp();
    const ended = { invalidToken: false };
    await expectRefused(await forgeAccessToken({ sub: account.user.id, sid: crypto.randomUUID() }), ended);
    await expectRefused(
      await forgeAccessToken({ sub: crypto.randomUUID(), sid: crypto.randomUUID() }),
      ended,
    );
  });

  it("refuses the token of a deleted user", async () => {
    const account = await signUp();
    const deleted = await authCall("/v1/users/me", {
      method: "DELETE",
      token: account.accessToken,
      body: { password: account.password },
    });
    expect(deleted.status).toBe(204);
    await expectRefused(account.accessToken, { invalidToken: false });
    await expectRefused(await forgeAccessToken(identityOf(account)), { invalidToken: false });
  });

  it("refuses malformed Authorization headers", async () => {
    const account = await signUp();
    for (const authorization of [
      `Basic ${btoa("a:b")}`,
      `Token ${account.accessToken}`,
      "Bearer",
      `Bearer ${account.accessToken} extra`,
      "Bearer a.b.c",
    ]) {
      const { response } = await authCall("/v1/users/me", { headers: { Authorization: authorization } });
      await expectProblem(response, 401);
    }
    // The scheme itself is case-insensitive (RFC 9110).
    const lower = await authCall("/v1/users/me", {
      headers: { Authorization: `bearer ${account.accessToken}` },
    });
    expect(lower.status).toBe(200);
  });
});

describe("JWT secret rotation", () => {
  const NEW_SECRET = "rotated-secret-abcdef0123456789abcdef0123";
  const rotated = withBindings({ JWT_SECRET: NEW_SECRET, JWT_SECRET_PREVIOUS: JWT.secret });

  it("still accepts tokens signed with JWT_SECRET_PREVIOUS", async () => {
    const account = await signUp();
    const response = await rotated("/v1/users/me", {
      headers: { Authorization: `Bearer ${account.accessToken}` },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { id: string }).id).toBe(account.user.id);
  });

  it("signs new tokens with the new secret only", async () => {
    const account = await signUp();
    const response = await rotated(
      "/v1/auth/login",
      jsonInit({ email: account.email, password: account.password }),
    );
    expect(response.status).toBe(200);
    const { accessToken } = (await response.json()) as { accessToken: string };
    // A deployment that knows only the old secret refuses it: it was signed with the new one.
    await expectRefused(accessToken);
    const withNew = await rotated("/v1/users/me", { headers: { Authorization: `Bearer ${accessToken}` } });
    expect(withNew.status).toBe(200);
  });

  it("accepts neither a third secret nor the previous one once it is dropped", async () => {
    const account = await signUp();
    const stranger = await forgeAccessToken(
      identityOf(account),
      {},
      "a-third-secret-0123456789abcdef-0123456",
    );
    const refused = await rotated("/v1/users/me", { headers: { Authorization: `Bearer ${stranger}` } });
    await expectProblem(refused, 401);
    const dropped = withBindings({ JWT_SECRET: NEW_SECRET, JWT_SECRET_PREVIOUS: undefined });
    const old = await dropped("/v1/users/me", {
      headers: { Authorization: `Bearer ${account.accessToken}` },
    });
    await expectProblem(old, 401);
  });
});
