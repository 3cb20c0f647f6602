import { afterEach, beforeEach, describe, expect, inject, it, type MockInstance, vi } from "vitest";
import { expectProblem, jsonInit, withBindings } from "../helpers/http";
import { signUp, uniqueEmail } from "../helpers/users";

// A port nothing listens on: the database "down" exactly as a refused connection.
const unreachable = withBindings({ NEON_FETCH_ENDPOINT: "http://127.0.0.1:9/sql" });
// Neon's proxy refusing to connect us (wrong password, disabled endpoint): HTTP 400 with `code: ""`.
const refused = withBindings({
  NEON_FETCH_ENDPOINT: inject("neonHttpUrl").replace(/\/sql$/, "/__fault/refuse/sql"),
});

describe("auth and users with the database down", () => {
  let warn: MockInstance<typeof console.warn>;
  beforeEach(() => {
    warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  });
  afterEach(() => warn.mockRestore());

  it.each([
    ["unreachable", unreachable],
    ["refusing our connection (HTTP 400, code '')", refused],
  ])(
    "answers 503 problem+json with Retry-After (never a 500) on every route: database %s",
    async (_, dbDown) => {
      const account = await signUp();
      const bearer = { Authorization: `Bearer ${account.accessToken}` };
      const requests: [string, RequestInit][] = [
        [
          "/v1/auth/signup",
          jsonInit({ email: uniqueEmail(), password: "db down password", displayName: "X" }),
        ],
        ["/v1/auth/login", jsonInit({ email: account.email, password: account.password })],
        ["/v1/auth/refresh", jsonInit({ refreshToken: account.refreshToken })],
        ["/v1/auth/logout", { method: "POST", headers: bearer }],
        [
          "/v1/auth/password",
          jsonInit(
            { currentPassword: account.password, newPassword: "another password" },
            { headers: bearer },
          ),
        ],
        ["/v1/users/me", { headers: bearer }],
        ["/v1/users/me", jsonInit({ displayName: "x" }, { method: "PATCH", headers: bearer })],
        ["/v1/users/me", jsonInit({ password: account.password }, { method: "DELETE", headers: bearer })],
        ["/v1/users/me/export", { headers: bearer }],
      ];
      for (const [path, init] of requests) {
        const response = await dbDown(path, init);
        const retryAfter = response.headers.get("retry-after");
        const problem = await expectProblem(response, 503);
        expect(problem.code).toBe("SERVICE_UNAVAILABLE");
        expect(Number(retryAfter)).toBeGreaterThan(0);
      }
      // Logged as warnings (the outage), not errors: console.error would have failed the test.
      expect(warn).toHaveBeenCalled();
    },
  );
});
