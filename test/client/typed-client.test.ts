import { exports } from "cloudflare:workers";
import { describe, expect, expectTypeOf, it } from "vitest";
import snapshot from "../../public/openapi.json";
import { createClient } from "../../src/client";
import { BASE_URL, callJson, uniqueIp } from "../helpers/http";
import { uniqueEmail } from "../helpers/users";

// What a Next.js frontend does with `createClient`, against the real Worker. The calls below are
// also type-checked by `npm run typecheck` (tsconfig includes test/): a route that changes shape
// breaks this file at compile time, before any frontend does.
const api = createClient(BASE_URL, {
  fetch: (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init)),
});

describe("typed client (hono/client)", () => {
  it("signs up, logs a meal, reads the summary with end-to-end types", async () => {
    const signup = await api.v1.auth.signup.$post(
      { json: { email: uniqueEmail("client"), password: "a long enough password", displayName: "Client" } },
      { headers: { "CF-Connecting-IP": uniqueIp() } },
    );
    expect(signup.status).toBe(201);
    if (signup.status !== 201) return;
    const session = await signup.json();
    expectTypeOf(session.user.timezone).toEqualTypeOf<string>();
    expectTypeOf(session.expiresIn).toEqualTypeOf<number>();
    const auth = { headers: { Authorization: `Bearer ${session.accessToken}` } };

    const created = await api.v1.logs.$post(
      {
        json: { mealType: "lunch", eatenAt: "2026-11-20T12:30:00+09:00", title: "Naengmyeon", calories: 480 },
      },
      auth,
    );
    expect(created.status).toBe(201);
    if (created.status !== 201) return;
    const { log, events } = await created.json();
    expectTypeOf(log.mealType).toEqualTypeOf<"breakfast" | "lunch" | "dinner" | "snack">();
    expect(events.map((event) => event.type)).toContain("badge_awarded");

    const summary = await api.v1.logs.summary.$get({ query: { from: "2026-11-20", to: "2026-11-20" } }, auth);
    expect(summary.status).toBe(200);
    if (summary.status !== 200) return;
    const body = await summary.json();
    expectTypeOf(body.days[0]!.metGoal).toEqualTypeOf<boolean | null>();
    expect(body.totals.calories).toBe(480);

    const one = await api.v1.logs[":id"].$get({ param: { id: log.id } }, auth);
    expect(one.status).toBe(200);
  });

  it("rejects wrong calls at compile time", () => {
    // Never sent: these lines exist for the type checker.
    const neverSent = () => {
      // @ts-expect-error "brunch" is not a meal type
      void api.v1.logs.$post({ json: { mealType: "brunch", eatenAt: "2026-11-20T12:30:00Z", title: "x" } });
      // @ts-expect-error the summary needs from and to
      void api.v1.logs.summary.$get({ query: { from: "2026-11-20" } });
      // @ts-expect-error no such route
      void api.v1.meals.$get();
    };
    expect(typeof neverSent).toBe("function");
  });
});

describe("OpenAPI snapshot", () => {
  it("matches the served document (run `npm run openapi:snapshot` after an intended change)", async () => {
    const { body } = await callJson("/openapi.json");
    expect(body).toEqual(snapshot);
  });
});
