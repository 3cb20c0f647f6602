import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildApp } from "../../src/app";
import { expectProblem } from "../helpers/http";
import { signUp } from "../helpers/users";

// API.md: writes 120 per user per minute; here 3, through the same setting, to stay quick.
const QUOTA = 3;
const app = buildApp();
const request = (path: string, token: string, init: { method?: string; body?: unknown } = {}) =>
  app.request(
    `http://localhost${path}`,
    {
      method: init.method ?? (init.body ? "POST" : "GET"),
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    },
    { ...env, RATE_LIMIT_WRITES_PER_USER: String(QUOTA) },
    createExecutionContext(),
  );

const meal = (title: string) => ({ mealType: "snack", eatenAt: "2026-11-20T15:00:00+09:00", title });

describe("the per-user write quota", () => {
  it("refuses the write over the quota with 429 and writes nothing of it", async () => {
    const account = await signUp();
    for (let i = 0; i < QUOTA; i++) {
      expect((await request("/v1/logs", account.accessToken, { body: meal(`ok ${i}`) })).status).toBe(201);
    }
    const refused = await request("/v1/logs", account.accessToken, { body: meal("one too many") });
    const problem = await expectProblem(refused, 429);
    expect(problem.code).toBe("RATE_LIMITED");
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get("ratelimit-limit")).toBe(String(QUOTA));
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    const list = await (await request("/v1/logs?limit=10", account.accessToken)).json<{
      items: { title: string }[];
    }>();
    expect(list.items.map((log) => log.title).sort()).toEqual(["ok 0", "ok 1", "ok 2"]);
  });

  it("counts every kind of write (profile, challenges), and reads not at all", async () => {
    const account = await signUp();
    expect(
      (await request("/v1/users/me", account.accessToken, { method: "PATCH", body: { dayStartHour: 1 } }))
        .status,
    ).toBe(200);
    for (let i = 0; i < 5; i++) expect((await request("/v1/logs", account.accessToken)).status).toBe(200);
    expect((await request("/v1/logs", account.accessToken, { body: meal("two") })).status).toBe(201);
    expect((await request("/v1/logs", account.accessToken, { body: meal("three") })).status).toBe(201);
    await expectProblem(
      await request("/v1/users/me", account.accessToken, { method: "PATCH", body: { dayStartHour: 2 } }),
      429,
    );
    const me = await (await request("/v1/users/me", account.accessToken)).json<{ dayStartHour: number }>();
    expect(me.dayStartHour).toBe(1);
  });

  it("is per user: another user's writes are not counted", async () => {
    const [first, second] = await Promise.all([signUp(), signUp()]);
    for (let i = 0; i < QUOTA; i++) await request("/v1/logs", first.accessToken, { body: meal(`a ${i}`) });
    expect((await request("/v1/logs", second.accessToken, { body: meal("b") })).status).toBe(201);
  });
});
