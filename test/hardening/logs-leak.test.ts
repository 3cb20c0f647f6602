import { afterAll, describe, expect, inject, it } from "vitest";
import { captureConsole, expectConsoleError } from "../helpers/console";
import { type Bindings, uniqueIp } from "../helpers/http";
import { neonFault, upstashFault } from "../helpers/redis";
import { type Req, type Res, send } from "../helpers/requests";
import { sleep } from "../helpers/wait";

/**
 * Nothing secret in any log line: a whole account's life (signup, a wrong password, sign-in,
 * refreshes, a reused refresh token, a meal with a private note, a filtered list, a password change,
 * a database outage, a Redis outage, a request that fails with a 500, logout, account deletion) is
 * run at LOG_LEVEL=debug with its own JWT secret and database password, every console line is
 * captured, and none may contain a password, a token, a token's hash, a full email, a secret of the
 * deployment, or a query-string value.
 */

let figures = "logs-leak: not run";
afterAll(() => {
  console.log(figures);
});

const sha256 = async (text: string) =>
  Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))), (byte) =>
    byte.toString(16).padStart(2, "0"),
  ).join("");

describe("logs never carry secrets", () => {
  it("a whole account's life at LOG_LEVEL=debug: no password, token, hash, email or deployment secret in any line", {
    timeout: 60_000,
  }, async () => {
    const errors = expectConsoleError();
    const run = crypto.randomUUID().replaceAll("-", "");
    const jwtSecret = `leak-test-jwt-secret-${run}`;
    const dbPassword = `DbPassword${run.slice(0, 12)}`;
    const bindings: Bindings = {
      LOG_LEVEL: "debug",
      JWT_SECRET: jwtSecret,
      DATABASE_URL: `postgres://leakuser:${dbPassword}@db.sikdan.localhost/sikdan`,
    };
    const email = `Leak.Check.${run}@Example.com`;
    const password = `first passphrase ${run.slice(0, 6)}`;
    const newPassword = `second passphrase ${run.slice(6, 12)}`;
    const wrongPassword = `wrong passphrase ${run.slice(12, 18)}`;
    const note = `private note ${run.slice(18, 26)}`;
    const querySecret = `querysecret${run.slice(0, 8)}`;
    const ip = uniqueIp();

    const captured = captureConsole(errors);
    const secrets: Record<string, string> = {};
    let flows = 0;
    const step = async (name: string, req: Req, expected: number[], extra: Bindings = {}): Promise<Res> => {
      flows += 1;
      const res = await send(
        { ...req, headers: { "cf-connecting-ip": ip, ...req.headers } },
        { ...bindings, ...extra },
      );
      expect(expected, `${name}: ${res.status} ${res.text.slice(0, 200)}`).toContain(res.status);
      return res;
    };
    try {
      const signup = await step(
        "signup",
        { method: "POST", path: "/v1/auth/signup", json: { email, password, displayName: "Leak Check" } },
        [201],
      );
      await step(
        "wrong password",
        { method: "POST", path: "/v1/auth/login", json: { email, password: wrongPassword } },
        [401],
      );
      const signedIn = await step(
        "login",
        { method: "POST", path: "/v1/auth/login", json: { email: email.toLowerCase(), password } },
        [200],
      );
      const refreshed = await step(
        "refresh",
        { method: "POST", path: "/v1/auth/refresh", json: { refreshToken: signedIn.body.refreshToken } },
        [200],
      );
      const again = await step(
        "refresh again",
        { method: "POST", path: "/v1/auth/refresh", json: { refreshToken: refreshed.body.refreshToken } },
        [200],
      );
      // The first refresh token again, after its successor was used in turn: reuse, the session ends (a warning).
      await step(
        "reused refresh token",
        { method: "POST", path: "/v1/auth/refresh", json: { refreshToken: signedIn.body.refreshToken } },
        [401],
      );
      const token = signup.body.accessToken as string;
      await step(
        "log with a note",
        {
          method: "POST",
          path: "/v1/logs",
          token,
          json: { mealType: "dinner", eatenAt: "2026-11-20T19:00:00+09:00", title: "Dinner", note },
          headers: { "idempotency-key": `idem-${run}` },
        },
        [201],
      );
      await step(
        "list with a query",
        { path: `/v1/logs?tag=${querySecret}&cursor=${querySecret}`, token },
        [200, 400],
      );
      await step(
        "summary",
        { path: `/v1/logs/summary?from=2026-11-16&to=2026-11-22&secret=${querySecret}`, token },
        [200],
      );
      await step("database down", { path: "/v1/users/me", token }, [503], {
        NEON_FETCH_ENDPOINT: neonFault("down"),
      });
      await step(
        "database hanging",
        {
          method: "POST",
          path: "/v1/logs",
          token,
          json: { mealType: "lunch", eatenAt: "2026-11-20T12:00:00+09:00", title: "x", note },
        },
        [503],
        { NEON_FETCH_ENDPOINT: neonFault("hang"), DB_TIMEOUT_MS: "300" },
      );
      await step("redis down", { path: "/v1/users/me/stats", token }, [200], {
        UPSTASH_REDIS_REST_URL: upstashFault("down"),
      });
      // A statement the database refuses midway (log_items_snapshot() finds no such food: SK400,
      // a 400): its parameters, the private note among them, must not reach the log.
      await step(
        "a failing statement",
        {
          method: "POST",
          path: "/v1/logs",
          token,
          json: {
            mealType: "lunch",
            eatenAt: "2026-11-20T12:00:00+09:00",
            title: "Stew",
            note,
            items: [{ foodId: crypto.randomUUID(), grams: 100 }],
          },
        },
        [400],
      );
      await step(
        "password change",
        {
          method: "POST",
          path: "/v1/auth/password",
          token,
          json: { currentPassword: password, newPassword },
        },
        [204],
      );
      await step(
        "wrong password to delete",
        { method: "DELETE", path: "/v1/users/me", token, json: { password: wrongPassword } },
        [403],
      );
      await step(
        "logout",
        { method: "POST", path: "/v1/auth/logout", token: again.body.accessToken },
        [204, 401],
      );
      await step(
        "delete account",
        { method: "DELETE", path: "/v1/users/me", token, json: { password: newPassword } },
        [204],
      );
      await sleep(100);

      Object.assign(secrets, {
        email,
        "email (lower case)": email.toLowerCase(),
        password,
        "new password": newPassword,
        "wrong password": wrongPassword,
        "JWT secret": jwtSecret,
        "database password": dbPassword,
        "Upstash token": inject("upstashToken"),
        "private note": note,
        "query-string value": querySecret,
      });
      const tokens = {
        "access token (signup)": signup.body.accessToken,
        "refresh token (signup)": signup.body.refreshToken,
        "access token (login)": signedIn.body.accessToken,
        "refresh token (login)": signedIn.body.refreshToken,
        "access token (refresh)": refreshed.body.accessToken,
        "refresh token (refresh)": refreshed.body.refreshToken,
        "refresh token (refresh 2)": again.body.refreshToken,
      };
      for (const [name, value] of Object.entries(tokens)) {
        secrets[name] = value;
        // A JWT's signature alone, and a refresh token's random part alone, are secrets too.
        secrets[`${name}, last part`] = value.split(".").at(-1)!;
        secrets[`${name}, SHA-256`] = await sha256(value);
      }
    } finally {
      captured.restore();
    }

    const lines = captured.lines();
    const leaks: string[] = [];
    for (const [name, secret] of Object.entries(secrets)) {
      for (const line of lines) if (line.includes(secret)) leaks.push(`${name} in: ${line.slice(0, 300)}`);
    }
    // The capture worked: one access-log line per request at least, and the outages were logged.
    const requestLines = lines.filter((line) => line.includes('"message":"request"'));
    expect(
      requestLines.length,
      `${lines.length} lines: ${lines.slice(0, 4).join("\n")}`,
    ).toBeGreaterThanOrEqual(flows);
    for (const line of requestLines) expect(JSON.parse(line).path).not.toContain("?");
    expect(lines.some((line) => line.includes("database unavailable"))).toBe(true);
    expect(lines.some((line) => line.includes("refresh token reused"))).toBe(true);
    figures = `logs-leak: ${flows} flows, ${lines.length} log lines captured, ${Object.keys(secrets).length} secrets checked, ${leaks.length} leaked`;
    expect(leaks).toEqual([]);
  });
});
