import { exports } from "cloudflare:workers";
import createFetchClient from "openapi-fetch";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { components, paths } from "../../src/generated/openapi";
import { OFFICIAL } from "../helpers/challenges";
import { BASE_URL, uniqueIp } from "../helpers/http";
import { uniqueEmail } from "../helpers/users";

// What a client generated from the committed openapi.json does (any language: here openapi-typescript
// types and openapi-fetch), against the real Worker. `npm run typecheck` checks these calls against
// src/generated/openapi.d.ts, and `npm run lint` that the types are the document's.
const client = createFetchClient<paths>({
  baseUrl: BASE_URL,
  fetch: (request: Request) => exports.default.fetch(request),
});

describe("generated client (openapi-typescript + openapi-fetch)", () => {
  it("signs up, logs a meal, reads the summary, joins an official challenge and logs out", async () => {
    const signup = await client.POST("/v1/auth/signup", {
      body: { email: uniqueEmail("generated"), password: "a long enough password", displayName: "Gen" },
      headers: { "CF-Connecting-IP": uniqueIp() },
    });
    expect(signup.response.status).toBe(201);
    if (!signup.data) throw new Error("signup failed");
    expect(signup.response.headers.get("set-cookie")).toContain("access_token=");
    expectTypeOf(signup.data.expiresIn).toEqualTypeOf<number>();
    const headers = { Authorization: `Bearer ${signup.data.accessToken}` };

    const created = await client.POST("/v1/logs", {
      body: { mealType: "lunch", eatenAt: "2026-11-20T12:30:00+09:00", title: "Bibimbap", calories: 610 },
      headers: { ...headers, "Idempotency-Key": `generated-${crypto.randomUUID()}` },
    });
    expect(created.response.status).toBe(201);
    if (!created.data) throw new Error("log failed");
    expectTypeOf(created.data.log.mealType).toEqualTypeOf<"breakfast" | "lunch" | "dinner" | "snack">();
    expect(created.data.log.localDate).toBe("2026-11-20");

    const summary = await client.GET("/v1/logs/summary", {
      params: { query: { from: "2026-11-20", to: "2026-11-20" } },
      headers,
    });
    expect(summary.data?.totals.calories).toBe(610);

    const joined = await client.POST("/v1/challenges/{id}/join", {
      params: { path: { id: OFFICIAL.weekStreak } },
      headers,
    });
    expect(joined.response.status).toBe(201);
    expect(joined.data?.progress?.target).toBe(7);

    const again = await client.POST("/v1/challenges/{id}/join", {
      params: { path: { id: OFFICIAL.weekStreak } },
      headers,
    });
    // Errors are typed by the document too: RFC 9457 problems with a machine code.
    expectTypeOf(again.error).toEqualTypeOf<components["schemas"]["Problem"] | undefined>();
    expect(again.error?.code).toBe("CONFLICT");
    expect(again.response.headers.get("x-request-id")).toBeTruthy();

    const logout = await client.POST("/v1/auth/logout", { headers });
    expect(logout.response.status).toBe(204);
    const after = await client.GET("/v1/users/me", { headers });
    expect(after.error?.status).toBe(401);
  });

  it("rejects wrong calls at compile time", () => {
    const neverSent = () => {
      const brunch = { mealType: "brunch", eatenAt: "2026-11-20T12:30:00Z", title: "x" } as const;
      // @ts-expect-error "brunch" is not a meal type
      void client.POST("/v1/logs", { body: brunch });
      // @ts-expect-error the summary needs from and to
      void client.GET("/v1/logs/summary", { params: { query: { from: "2026-11-20" } } });
      // @ts-expect-error no such path
      void client.GET("/v1/meals");
    };
    expect(typeof neverSent).toBe("function");
  });
});
