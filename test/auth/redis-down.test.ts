import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { authCall } from "../helpers/auth";
import { sql } from "../helpers/db";
import { expectProblem, jsonInit, uniqueIp, withBindings } from "../helpers/http";
import { uniqueEmail } from "../helpers/users";
import { eventually } from "../helpers/wait";

// A port nothing listens on: Redis "down" exactly as a refused connection.
const redisDown = withBindings({ UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" });
const redisUp = withBindings({});

const json = async (response: Response) => (await response.json()) as any;

describe("rate limits with Redis down", () => {
  let warn: MockInstance<typeof console.warn>;
  const outageLines = () =>
    warn.mock.calls
      .map((args) => String(args[0]))
      .filter((text) => text.includes("redis unavailable"))
      .map((text) => JSON.parse(text) as { level: string; message: string });

  // The Redis circuit breaker is per isolate: readiness asks Redis itself, which closes it (through the
  // Worker's export and through a built app, as the requests below are made).
  const redisBackUp = async () => {
    await authCall("/health/ready", { method: "GET" });
    await redisUp("/health/ready");
  };

  beforeEach(async () => {
    await redisBackUp();
    warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  });
  afterEach(async () => {
    warn.mockRestore();
    await redisBackUp();
  });

  it("serves every auth request (per-IP limits fail open), still counts failed sign-ins, and logs the outage once", async () => {
    const ip = uniqueIp();
    const email = uniqueEmail("open");
    const password = "fail open password";
    const signup = await redisDown(
      "/v1/auth/signup",
      jsonInit({ email, password, displayName: "Open" }, { headers: { "CF-Connecting-IP": ip } }),
    );
    expect(signup.status).toBe(201);
    const account = await json(signup);

    // Failed sign-ins are counted by PostgreSQL: the limit holds without Redis.
    for (let i = 0; i < 9; i++) {
      const failed = await redisDown("/v1/auth/login", jsonInit({ email, password: `wrong ${i}` }));
      await expectProblem(failed, 401);
    }
    const login = await redisDown("/v1/auth/login", jsonInit({ email, password }));
    expect(login.status).toBe(200);
    const session = await json(login);
    // The success's own attempt is cleared just after its response (auth.ts settleSignIn).
    await eventually(async () => {
      expect(await sql("select 1 from login_failures where email_key = $1", [email.toLowerCase()])).toEqual(
        [],
      );
    });
    for (let i = 0; i < 10; i++) {
      await expectProblem(
        await redisDown("/v1/auth/login", jsonInit({ email, password: `again ${i}` })),
        401,
      );
    }
    await expectProblem(await redisDown("/v1/auth/login", jsonInit({ email, password })), 429);

    const refreshed = await redisDown("/v1/auth/refresh", jsonInit({ refreshToken: session.refreshToken }));
    expect(refreshed.status).toBe(200);
    const { accessToken } = await json(refreshed);
    const me = await redisDown("/v1/users/me", { headers: { Authorization: `Bearer ${accessToken}` } });
    expect(me.status).toBe(200);
    expect((await json(me)).id).toBe(account.user.id);

    // Revocation does not depend on Redis: logout takes effect at once.
    const out = await redisDown("/v1/auth/logout", {
      method: "POST",
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    expect(out.status).toBe(204);
    const after = await redisDown("/v1/users/me", { headers: { Authorization: `Bearer ${accessToken}` } });
    await expectProblem(after, 401);

    const lines = outageLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe("warn");
    // console.error stays silent (test/setup.ts fails the test otherwise).
  });
});
