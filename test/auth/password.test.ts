import { describe, expect, it } from "vitest";
import { toHex } from "../../src/lib/encoding";
import {
  decodeSalt,
  encodeSalt,
  hashPassword,
  isCurrentHash,
  PBKDF2_ITERATIONS,
  PBKDF2_MAX_ITERATIONS,
  randomSalt,
  saltFor,
  verifyPassword,
} from "../../src/lib/password";
import { authCall, cookieFrom, EVIL_ORIGIN, JWT, postLogin, postRefresh, sessionIdOf } from "../helpers/auth";
import { sql } from "../helpers/db";
import { expectProblem } from "../helpers/http";
import { getMe, logIn, signUp } from "../helpers/users";
import { eventually } from "../helpers/wait";

const NEW_PASSWORD = "a brand new passphrase";
// The tests set no PASSWORD_SALT_SECRET: salts are keyed with JWT_SECRET (src/config.ts).
const SALT_SECRET = JWT.secret;

const changePassword = (token: string, body: Record<string, unknown>) =>
  authCall("/v1/auth/password", { token, body });

const storedHash = async (userId: string) =>
  (await sql<{ password_hash: string }>("select password_hash from users where id = $1", [userId]))[0]!
    .password_hash;

describe("password hashing", () => {
  it("stays within what production Workers allow (PBKDF2 at most 100,000 iterations)", () => {
    expect(PBKDF2_ITERATIONS).toBeLessThanOrEqual(100_000);
    expect(PBKDF2_MAX_ITERATIONS).toBeLessThanOrEqual(100_000);
    expect(PBKDF2_ITERATIONS).toBeLessThanOrEqual(PBKDF2_MAX_ITERATIONS);
  });

  it("stores PBKDF2-SHA-256 with its parameters, a keyed per-user salt and the salt key's id, never the password", async () => {
    const a = await signUp();
    const b = await signUp();
    const [hashA, hashB] = [await storedHash(a.user.id), await storedHash(b.user.id)];
    const format = new RegExp(
      `^pbkdf2-sha256\\$${PBKDF2_ITERATIONS}\\$[A-Za-z0-9+/]{22}==\\$[A-Za-z0-9+/]{43}=\\$k[\\w-]{8}$`,
    );
    expect(hashA).toMatch(format);
    expect(hashB).toMatch(format);
    expect(hashA).not.toContain(a.password);
    // The same password, two different salts and hashes.
    expect(a.password).toBe(b.password);
    expect(hashA.split("$")[2]).not.toBe(hashB.split("$")[2]);
    expect(hashA.split("$")[3]).not.toBe(hashB.split("$")[3]);
    // The salt is HMAC(salt key, normalised email): the Worker knows it before reading the row.
    const salt = await saltFor(SALT_SECRET, a.email.toLowerCase());
    expect(hashA).toBe(await hashPassword(a.password, salt));
    expect(isCurrentHash(hashA, salt)).toBe(true);
    expect(isCurrentHash(hashB, salt)).toBe(false);
  });

  it("derives distinct salts per email and per key, with the key's id", async () => {
    const one = await saltFor(SALT_SECRET, "kim@example.com");
    const other = await saltFor(SALT_SECRET, "lee@example.com");
    const rotated = await saltFor(`${SALT_SECRET}-rotated`, "kim@example.com");
    expect(one.bytes.length).toBe(16);
    expect(toHex(one.bytes)).not.toBe(toHex(other.bytes));
    expect(toHex(one.bytes)).not.toBe(toHex(rotated.bytes));
    expect(one.keyId).toBe(other.keyId);
    expect(one.keyId).not.toBe(rotated.keyId);
    expect(decodeSalt(encodeSalt(one))).toEqual(one);
  });

  it("verifies hashes of every kind with the salt stored in them; only current ones count as current", async () => {
    const keyed = await saltFor(SALT_SECRET, "kim@example.com");
    const current = await hashPassword("pass phrase 1", keyed);
    const random = await hashPassword("pass phrase 1", randomSalt());
    const fewIterations = await hashPassword("pass phrase 1", keyed, 1_000);
    for (const stored of [current, random, fewIterations]) {
      expect(await verifyPassword("pass phrase 1", stored)).toBe(true);
      expect(await verifyPassword("pass phrase 2", stored)).toBe(false);
    }
    expect(await verifyPassword("pass phrase 1", undefined)).toBe(false);
    expect(isCurrentHash(current, keyed)).toBe(true);
    expect(isCurrentHash(random, keyed)).toBe(false);
    expect(isCurrentHash(fewIterations, keyed)).toBe(false);
    expect(isCurrentHash("bcrypt$2b$10$whatever", keyed)).toBe(false);
  });

  it("upgrades a per-user random-salt hash with old parameters at the next login", async () => {
    const account = await signUp();
    const old = await hashPassword(account.password, randomSalt(), 1_000);
    await sql("update users set password_hash = $1 where id = $2", [old, account.user.id]);
    await expectProblem((await postLogin(account.email, "not the password")).response, 401);
    expect(await storedHash(account.user.id)).toBe(old);
    expect((await logIn(account.email, account.password)).user.id).toBe(account.user.id);
    // Replaced just after the sign-in's response (auth.ts settleSignIn).
    const current = await hashPassword(
      account.password,
      await saltFor(SALT_SECRET, account.email.toLowerCase()),
    );
    await eventually(async () => expect(await storedHash(account.user.id)).toBe(current));
    // And the upgraded hash still verifies the same password (and only it).
    expect((await logIn(account.email, account.password)).user.id).toBe(account.user.id);
    await expectProblem((await postLogin(account.email, "not the password")).response, 401);
  });

  it("upgrades a hash salted under a previous salt key at the next login (rotation)", async () => {
    const account = await signUp();
    const previous = await saltFor(`${SALT_SECRET}-previous`, account.email.toLowerCase());
    const old = await hashPassword(account.password, previous);
    await sql("update users set password_hash = $1 where id = $2", [old, account.user.id]);
    expect((await logIn(account.email, account.password)).user.id).toBe(account.user.id);
    const upgraded = await eventually(async () => {
      const stored = await storedHash(account.user.id);
      expect(stored.split("$")[4]).not.toBe(old.split("$")[4]);
      return stored;
    });
    expect(isCurrentHash(upgraded, await saltFor(SALT_SECRET, account.email.toLowerCase()))).toBe(true);
  });

  it("refuses a stored hash asking for more iterations than Workers allow (no CPU-exhaustion)", async () => {
    const account = await signUp();
    const [, , salt, hash] = (await storedHash(account.user.id)).split("$");
    await sql("update users set password_hash = $1 where id = $2", [
      `pbkdf2-sha256$${PBKDF2_MAX_ITERATIONS + 1}$${salt}$${hash}`,
      account.user.id,
    ]);
    await expectProblem((await postLogin(account.email, account.password)).response, 401);
  });
});

describe("POST /v1/auth/password: happy path", () => {
  it("answers 204; the old password no longer logs in and the new one does", async () => {
    const account = await signUp();
    const { status, body } = await changePassword(account.accessToken, {
      currentPassword: account.password,
      newPassword: NEW_PASSWORD,
    });
    expect(status).toBe(204);
    expect(body).toBeUndefined();
    const old = await postLogin(account.email, account.password);
    expect((await expectProblem(old.response, 401)).code).toBe("UNAUTHENTICATED");
    expect((await logIn(account.email, NEW_PASSWORD)).user.id).toBe(account.user.id);
  });

  it("ends every other session (access and refresh tokens) and keeps the current one", async () => {
    const account = await signUp();
    const laptop = await logIn(account.email, account.password);
    const phone = await logIn(account.email, account.password);
    const { status } = await changePassword(account.accessToken, {
      currentPassword: account.password,
      newPassword: NEW_PASSWORD,
    });
    expect(status).toBe(204);
    for (const other of [laptop, phone]) {
      await expectProblem((await getMe(other.accessToken)).response, 401);
      await expectProblem((await postRefresh(other.refreshToken)).response, 401);
    }
    // The session that changed the password goes on, both tokens.
    expect((await getMe(account.accessToken)).status).toBe(200);
    const renewed = await postRefresh(account.refreshToken);
    expect(renewed.status).toBe(200);
    expect(sessionIdOf(renewed.body.accessToken)).toBe(sessionIdOf(account.accessToken));
    // The export shows the two other sessions as revoked.
    const exported = await authCall("/v1/users/me/export", { token: renewed.body.accessToken });
    const revoked = exported.body.sessions.filter(
      (session: { revokedAt: string | null }) => session.revokedAt,
    );
    expect(revoked.map((session: { id: string }) => session.id).sort()).toEqual(
      [sessionIdOf(laptop.accessToken), sessionIdOf(phone.accessToken)].sort(),
    );
  });

  it("works from the access cookie (same origin)", async () => {
    const account = await signUp();
    const { status } = await authCall("/v1/auth/password", {
      cookie: cookieFrom(account.cookies, "access_token"),
      body: { currentPassword: account.password, newPassword: NEW_PASSWORD },
    });
    expect(status).toBe(204);
    expect((await logIn(account.email, NEW_PASSWORD)).user.id).toBe(account.user.id);
  });

  it("changes only the caller's password, never another user's", async () => {
    const a = await signUp();
    const b = await signUp({ password: a.password });
    expect(
      (await changePassword(b.accessToken, { currentPassword: a.password, newPassword: NEW_PASSWORD }))
        .status,
    ).toBe(204);
    expect((await logIn(a.email, a.password)).user.id).toBe(a.user.id);
    expect((await getMe(a.accessToken)).status).toBe(200);
    await expectProblem((await postLogin(a.email, NEW_PASSWORD)).response, 401);
    expect((await logIn(b.email, NEW_PASSWORD)).user.id).toBe(b.user.id);
  });
});

describe("POST /v1/auth/password: errors", () => {
  it("answers 403 for a wrong current password and changes nothing", async () => {
    const account = await signUp();
    const other = await logIn(account.email, account.password);
    const { response } = await changePassword(account.accessToken, {
      currentPassword: "not my password",
      newPassword: NEW_PASSWORD,
    });
    expect((await expectProblem(response, 403)).code).toBe("FORBIDDEN");
    expect((await logIn(account.email, account.password)).user.id).toBe(account.user.id);
    await expectProblem((await postLogin(account.email, NEW_PASSWORD)).response, 401);
    expect((await getMe(other.accessToken)).status).toBe(200);
  });

  it.each([
    ["a new password under 8 characters", { newPassword: "short" }, "newPassword"],
    ["a new password over 128 characters", { newPassword: "n".repeat(129) }, "newPassword"],
    ["a new password of only whitespace", { newPassword: "          " }, "newPassword"],
    ["no current password", { currentPassword: undefined }, "currentPassword"],
    ["a current password over 128 characters", { currentPassword: "c".repeat(129) }, "currentPassword"],
  ])("refuses %s with 400", async (_label, overrides, path) => {
    const account = await signUp();
    const body = { currentPassword: account.password, newPassword: NEW_PASSWORD, ...overrides };
    const problem = await expectProblem((await changePassword(account.accessToken, body)).response, 400);
    expect(problem.errors?.map((error) => error.path)).toEqual([path]);
    expect((await logIn(account.email, account.password)).user.id).toBe(account.user.id);
  });

  it("refuses unknown fields", async () => {
    const account = await signUp();
    const { response } = await changePassword(account.accessToken, {
      currentPassword: account.password,
      newPassword: NEW_PASSWORD,
      userId: account.user.id,
    });
    await expectProblem(response, 400);
  });

  it("answers 401 without a token, or from a session that has ended", async () => {
    const account = await signUp();
    const anonymous = await authCall("/v1/auth/password", {
      body: { currentPassword: account.password, newPassword: NEW_PASSWORD },
    });
    await expectProblem(anonymous.response, 401);
    expect((await authCall("/v1/auth/logout", { method: "POST", token: account.accessToken })).status).toBe(
      204,
    );
    const ended = await changePassword(account.accessToken, {
      currentPassword: account.password,
      newPassword: NEW_PASSWORD,
    });
    await expectProblem(ended.response, 401);
    expect((await logIn(account.email, account.password)).user.id).toBe(account.user.id);
  });

  it("refuses a cookie-authenticated change from a foreign origin (CSRF)", async () => {
    const account = await signUp();
    const { response } = await authCall("/v1/auth/password", {
      cookie: cookieFrom(account.cookies, "access_token"),
      origin: EVIL_ORIGIN,
      body: { currentPassword: account.password, newPassword: NEW_PASSWORD },
    });
    expect((await expectProblem(response, 403)).code).toBe("FORBIDDEN");
    expect((await logIn(account.email, account.password)).user.id).toBe(account.user.id);
  });
});
