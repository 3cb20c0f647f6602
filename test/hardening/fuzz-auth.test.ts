import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nastyString, wellFormed } from "../helpers/arbitraries";
import { claimsOf, EVIL_ORIGIN } from "../helpers/auth";
import { sql } from "../helpers/db";
import { check, fc, fuzzCase, fuzzSummary, Tally, Watch } from "../helpers/fuzz";
import { type BodySpec, bodyText } from "../helpers/json-arbitraries";
import { type Req, send, sendLogin } from "../helpers/requests";
import { type Account, account } from "../helpers/users";

/**
 * Property-based fuzzing of the auth routes (signup, login, refresh, logout, password change):
 * bodies generated from the zod schemas of src/routes/auth/auth.routes.ts and outside them, hostile
 * tokens (near misses of real ones), cookies and Origins. Properties: never a 5xx; every error is
 * problem+json; a rejected signup creates no account (the email cannot sign in); no login succeeds
 * without the exact credentials; no refresh or logout succeeds with a token it was not given; a
 * rejected request leaves the victim's sessions, tokens and password exactly as they were.
 */

const tally = new Tally("auth");
/** Marks this run's emails, so a second run against the same database starts from fresh addresses. */
const RUN = crypto.randomUUID().slice(0, 8);

afterAll(() => {
  console.log(fuzzSummary(tally));
});

// (PostgreSQL text cannot hold U+0000, so no account has such an email.)
const usersWithEmail = async (email: string) =>
  email.includes("\u0000")
    ? 0
    : Number(
        (
          await sql<{ n: string }>("select count(*) as n from users where lower(email) = lower($1)", [
            email.trim(),
          ])
        )[0]!.n,
      );

const parse = (text: string): Record<string, unknown> | undefined => {
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
};

const graphemes = (min: number, max: number) =>
  fc
    .string({ unit: "grapheme", minLength: min, maxLength: max })
    .filter((value) => value.trim().length >= Math.min(min, 1));

// ---- signup -------------------------------------------------------------------------------------

/** Emails: this run's fresh addresses (placeholder {run}), arbitrary RFC-ish ones, earlier ones again. */
const signupEmail = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,20}$/), fc.nat())
      .map(([local, n]) => `${local}.{run}.${n}@example.com`),
  },
  { weight: 2, arbitrary: fc.emailAddress() },
  { weight: 2, arbitrary: fc.constantFrom("EXISTING", "EXISTING_UPPER", "EXISTING_PADDED") },
);

const SIGNUP_SPEC: BodySpec = {
  fields: {
    email: signupEmail,
    password: graphemes(8, 40),
    displayName: graphemes(1, 30).filter((name) => !/\p{Cc}/u.test(name) && name.trim().length <= 50),
    timezone: fc.constantFrom(
      "Asia/Seoul",
      "UTC",
      "America/New_York",
      "asia/seoul",
      "Etc/GMT+5",
      "Asia/Kolkata",
      "Pacific/Chatham",
      "Australia/Lord_Howe",
      "US/Pacific",
    ),
  },
  required: ["email", "password", "displayName"],
  wrong: {
    email: fc.constantFrom(
      "",
      "plainaddress",
      "@example.com",
      "a@",
      "a@b",
      "a@@example.com",
      "a b@example.com",
      "a@example.com\u0000",
      `${"a".repeat(250)}@example.com`,
      "' OR 1=1--@example.com",
      "a@exa mple.com",
      "<a@example.com>",
      "a@example.com,b@example.com",
    ),
    password: fc.constantFrom(
      "short",
      "1234567",
      "        ",
      "\t\t\t\t\t\t\t\t\t",
      "a".repeat(129),
      "",
      "\u3000".repeat(8),
    ),
    displayName: fc.constantFrom(
      "",
      "   ",
      "a\u0007b",
      "a\u0000b",
      "line\nbreak",
      "a".repeat(51),
      "\u001b[31mred",
    ),
    timezone: fc.constantFrom(
      "Mars/Olympus",
      "",
      "a".repeat(65),
      "+25:00",
      "Asia/Seoul\u0000",
      "../../etc/localtime",
      "Local",
      "' OR 1=1--",
    ),
  },
};

describe("fuzz POST /v1/auth/signup", () => {
  it("never a 5xx; 201 creates exactly one account; a rejected signup creates none and cannot sign in", {
    timeout: 180_000,
  }, async () => {
    const created: { email: string; password: string }[] = [];
    const arbitrary = fc.record({
      body: bodyText(SIGNUP_SPEC, { valid: 3, mutated: 6, junk: 2 }),
      which: fc.nat(),
      ip: fc.option(
        fc.constantFrom("not-an-ip", "::1", "' OR 1=1", "a".repeat(300), "198.18.0.1, 10.0.0.1"),
        { freq: 10, nil: undefined },
      ),
    });
    await check("POST /v1/auth/signup", arbitrary, 260, async ({ body, which, ip }) => {
      const earlier = created.length > 0 ? created[which % created.length]!.email : undefined;
      let text = body.replaceAll("{run}", RUN);
      if (earlier) {
        text = text
          .replaceAll('"EXISTING_UPPER"', JSON.stringify(earlier.toUpperCase()))
          .replaceAll('"EXISTING_PADDED"', JSON.stringify(`  ${earlier}  `))
          .replaceAll('"EXISTING"', JSON.stringify(earlier));
      }
      const fields = parse(text);
      const email = typeof fields?.email === "string" ? fields.email : undefined;
      const password = typeof fields?.password === "string" ? fields.password : undefined;
      const before = email === undefined ? 0 : await usersWithEmail(email);
      const req: Req = {
        method: "POST",
        path: "/v1/auth/signup",
        raw: text,
        // (Made unique to the run: the per-IP signup window is an hour, and REDIS_URL outlives a run.)
        headers: {
          "content-type": "application/json",
          ...(ip ? { "cf-connecting-ip": `${ip} ${RUN}` } : {}),
        },
      };
      const res = await fuzzCase(tally, req);
      expect([201, 400, 409, 413, 415, 429]).toContain(res.status);
      const after = email === undefined ? 0 : await usersWithEmail(email);
      if (res.status === 201) {
        expect(before).toBe(0);
        expect(after).toBe(1);
        expect(res.body.user.email).toBe(email!.trim());
        expect(JSON.stringify(res.body)).not.toMatch(/passwordHash|password_hash/);
        const me = await send({ path: "/v1/users/me", token: res.body.accessToken });
        expect(me.status).toBe(200);
        created.push({ email: email!.trim(), password: password! });
      } else {
        expect(after, `rejected signup (${res.status}) changed the accounts of ${email}`).toBe(before);
        if (res.status === 409) expect(before).toBe(1);
        if (before === 0 && email !== undefined && password !== undefined) {
          const attempt = await sendLogin(email, password);
          expect(attempt.status, `a rejected signup of ${email} can sign in`).not.toBe(200);
        }
      }
    });
    expect(created.length).toBeGreaterThan(15);
  });
});

// ---- login --------------------------------------------------------------------------------------

describe("fuzz POST /v1/auth/login", () => {
  let victim: Account;
  beforeAll(async () => {
    victim = await account({ password: "Victim's passphrase 42" });
  });

  it("succeeds only with the exact credentials; a failed login writes nothing; never a 5xx", {
    timeout: 120_000,
  }, async () => {
    const watch = await new Watch(victim.user.id, tally).start();
    const email = fc.oneof(
      fc.constantFrom("VICTIM", "VICTIM_UPPER", "VICTIM_PADDED"),
      fc.emailAddress(),
      nastyString({ maxLength: 30 }),
    );
    const password = fc.oneof(
      { weight: 1, arbitrary: fc.constant("EXACT") },
      {
        weight: 3,
        arbitrary: fc.constantFrom(" EXACT", "EXACT ", "LOWER", "UPPER", "TRUNCATED", "EXACTEXACT"),
      },
      { weight: 3, arbitrary: nastyString({ maxLength: 40 }) },
    );
    const spec: BodySpec = { fields: { email, password }, required: ["email", "password"] };
    const resolve = (text: string) =>
      text
        .replaceAll('"VICTIM_UPPER"', JSON.stringify(victim.email.toUpperCase()))
        .replaceAll('"VICTIM_PADDED"', JSON.stringify(` ${victim.email}\t`))
        .replaceAll('"VICTIM"', JSON.stringify(victim.email))
        .replaceAll('"LOWER"', JSON.stringify(victim.password.toLowerCase()))
        .replaceAll('"UPPER"', JSON.stringify(victim.password.toUpperCase()))
        .replaceAll('"TRUNCATED"', JSON.stringify(victim.password.slice(0, -1)))
        .replaceAll("EXACT", victim.password.replaceAll('"', '\\"'));
    let successes = 0;
    await check(
      "POST /v1/auth/login",
      bodyText(spec, { valid: 6, mutated: 3, junk: 1 }),
      170,
      async (body) => {
        const text = resolve(body);
        const req: Req = {
          method: "POST",
          path: "/v1/auth/login",
          raw: text,
          headers: { "content-type": "application/json" },
        };
        const res = await fuzzCase(tally, req);
        expect([200, 400, 401, 413, 415, 429]).toContain(res.status);
        await watch.after(req, res);
        const fields = parse(text);
        const exact =
          typeof fields?.email === "string" &&
          fields.email.trim().toLowerCase() === victim.email.toLowerCase() &&
          fields.password === victim.password;
        if (res.status === 200) {
          expect(exact, `login succeeded without the exact credentials: ${text}`).toBe(true);
          expect(res.body.user.id).toBe(victim.user.id);
          successes += 1;
        } else if (exact) {
          // The right password is refused only once the account's failed sign-ins hit their limit.
          expect([400, 429]).toContain(res.status);
        }
      },
    );
    // Unknown email and wrong password answer alike (no account enumeration).
    const unknown = await sendLogin(`nobody.${RUN}@example.com`, "whatever password");
    const wrong = await sendLogin(`Other.${RUN}@example.com`, "whatever password");
    expect(unknown.body.detail).toBe(wrong.body.detail);
    console.log(`fuzz[auth] login: ${successes} successes, all with the exact credentials`);
  });
});

// ---- refresh and logout -------------------------------------------------------------------------

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const secret43 = fc.string({ unit: fc.constantFrom(...BASE64URL), minLength: 43, maxLength: 43 });

/** Tokens near a real one: another secret, another session, one character changed, reshaped. */
function nearTokens(real: () => string) {
  const [sessionId] = real().split(".");
  return fc.oneof(
    secret43.map((secret) => `${sessionId}.${secret}`),
    fc.tuple(fc.uuid(), secret43).map(([id, secret]) => `${id}.${secret}`),
    fc
      .tuple(fc.nat(), fc.constantFrom(...BASE64URL))
      .map(([at, char]) => ({ op: "flip" as const, at, char })),
    fc.constantFrom("upper", "space", "truncate", "append", "double-dot", "newline").map((op) => ({ op })),
    nastyString({ maxLength: 80 }),
  );
}

/** `bearer`: surrounding whitespace is not part of an Authorization header's token, so it is no change there. */
function applyNear(value: unknown, real: string, bearer = false): unknown {
  if (typeof value === "string" || value === null || typeof value !== "object" || !("op" in value))
    return value;
  const v = value as { op: string; at?: number; char?: string };
  // Flips stay off the last character: its low bits are base64 padding (a no-op change).
  const flip = () => {
    const at = (v.at ?? 0) % (real.length - 1);
    const char = real[at] === v.char ? (v.char === "A" ? "B" : "A") : v.char!;
    return real.slice(0, at) + char + real.slice(at + 1);
  };
  const ops: Record<string, () => string> = {
    flip,
    upper: () => real.toUpperCase(),
    space: () => ` ${real} `,
    truncate: () => real.slice(0, -2),
    append: () => `${real}A`,
    "double-dot": () => real.replace(".", ".."),
    newline: () => `${real}\n`,
  };
  const op = bearer && (v.op === "space" || v.op === "newline") ? "append" : v.op;
  const out = ops[op]!();
  return out === real ? `${real}x` : out;
}

describe("fuzz POST /v1/auth/refresh and /v1/auth/logout", () => {
  let victim: Account;
  beforeAll(async () => {
    victim = await account();
  });

  it("no token the victim was not given rotates, reveals or ends its session; never a 5xx", {
    timeout: 120_000,
  }, async () => {
    const watch = await new Watch(victim.user.id, tally).start();
    const accessNear = nearTokens(() => victim.accessToken);
    const arbitrary = fc.record({
      route: fc.constantFrom("refresh", "refresh", "logout"),
      token: nearTokens(() => victim.refreshToken),
      access: accessNear,
      via: fc.constantFrom("body", "body", "cookie", "cookie-evil-origin", "query", "bearer", "junk"),
      junk: bodyText(
        { fields: { refreshToken: fc.string() }, required: [] },
        { valid: 0, mutated: 5, junk: 5 },
      ),
    });
    await check(
      "POST /v1/auth/refresh|logout",
      arbitrary,
      330,
      async ({ route, token, access, via, junk }) => {
        const presented = applyNear(token, victim.refreshToken);
        const bearer = applyNear(access, victim.accessToken, via === "bearer");
        const headers: Record<string, string> = {};
        let raw: string | undefined;
        let path = `/v1/auth/${route}`;
        if (via === "body") {
          raw = JSON.stringify({ refreshToken: presented });
          headers["content-type"] = "application/json";
        } else if (via === "cookie" || via === "cookie-evil-origin") {
          headers.cookie = `refresh_token=${encodeURIComponent(wellFormed(String(presented)))}; access_token=${encodeURIComponent(wellFormed(String(bearer)))}`;
          if (via === "cookie-evil-origin") headers.origin = EVIL_ORIGIN;
        } else if (via === "query") {
          // The real refresh token in the query string, nothing else: it must be ignored.
          path += `?refreshToken=${encodeURIComponent(victim.refreshToken)}&access_token=${encodeURIComponent(victim.accessToken)}`;
        } else if (via === "bearer") {
          headers.authorization = `Bearer ${String(bearer).replace(/[^\x20-\x7e]/g, "?")}`;
        } else {
          raw = junk;
          headers["content-type"] = "application/json";
        }
        const req: Req = { method: "POST", path, raw, headers };
        const res = await fuzzCase(tally, req);
        expect([400, 401, 403, 413, 415, 429]).toContain(res.status);
        if (via === "cookie-evil-origin") expect([401, 403]).toContain(res.status);
        await watch.after(req, res);
      },
    );
    // The victim's session is whole: its access token works and its own refresh token rotates.
    expect((await send({ path: "/v1/users/me", token: victim.accessToken })).status).toBe(200);
    const [session] = await sql<{ revoked_at: string | null }>(
      "select revoked_at from sessions where id = $1",
      [claimsOf(victim.accessToken).sid],
    );
    expect(session!.revoked_at).toBeNull();
  });
});

// ---- password change ----------------------------------------------------------------------------

describe("fuzz POST /v1/auth/password", () => {
  it("changes the password only with the exact current one; a refused change writes nothing; never a 5xx", {
    timeout: 120_000,
  }, async () => {
    const user = await account({ password: "first passphrase" });
    let current = user.password;
    const watch = await new Watch(user.user.id, tally).start();
    const spec: BodySpec = {
      fields: {
        currentPassword: fc.oneof(
          { weight: 1, arbitrary: fc.constant("CURRENT") },
          { weight: 3, arbitrary: nastyString({ maxLength: 30 }) },
          { weight: 1, arbitrary: fc.constantFrom("CURRENT ", " CURRENT", "current passphrase") },
        ),
        newPassword: fc.oneof(
          graphemes(8, 40),
          fc.constantFrom("short", "        ", "a".repeat(129), "a".repeat(128)),
        ),
      },
      required: ["currentPassword", "newPassword"],
    };
    let changes = 0;
    await check(
      "POST /v1/auth/password",
      bodyText(spec, { valid: 6, mutated: 3, junk: 1 }),
      130,
      async (body) => {
        const text = body.replaceAll("CURRENT", current.replaceAll('"', '\\"'));
        const req: Req = {
          method: "POST",
          path: "/v1/auth/password",
          token: user.accessToken,
          raw: text,
          headers: { "content-type": "application/json" },
        };
        const res = await fuzzCase(tally, req);
        expect([204, 400, 403, 413, 415]).toContain(res.status);
        await watch.after(req, res);
        const fields = parse(text);
        if (res.status === 204) {
          expect(fields?.currentPassword).toBe(current);
          current = fields!.newPassword as string;
          changes += 1;
        } else if (res.status === 403) {
          expect(fields?.currentPassword).not.toBe(current);
        }
      },
    );
    // The password is the last one accepted, and the session that changed it still works.
    expect((await sendLogin(user.email, current)).status).toBe(200);
    expect((await send({ path: "/v1/users/me", token: user.accessToken })).status).toBe(200);
    console.log(`fuzz[auth] password: ${changes} changes, each with the exact current password`);
  });
});

describe("figures", () => {
  it("no 5xx, no contract violation, no write by a rejected request", () => {
    expect(tally.fiveXX).toEqual([]);
    expect(tally.violations).toEqual([]);
    expect(tally.writesByRejected).toBe(0);
  });
});
