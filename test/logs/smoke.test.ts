import { describe, expect, it } from "vitest";
import { callJson } from "../helpers/http";
import { signUp } from "../helpers/users";

describe("logs smoke", () => {
  it("creates, lists, patches, summarizes, deletes", async () => {
    const account = await signUp();
    const created = await callJson("/v1/logs", {
      token: account.accessToken,
      body: {
        mealType: "dinner",
        eatenAt: "2026-11-20T23:30:00+09:00",
        title: "Bibimbap",
        calories: 650,
        proteinG: 20.5,
        tags: ["homemade", "vegetable"],
      },
      headers: { "Idempotency-Key": "k1" },
    });
    expect(created.status).toBe(201);
    expect(created.body.log.localDate).toBe("2026-11-20");
    expect(created.body.events).toContainEqual(expect.objectContaining({ type: "badge_awarded" }));
    const replay = await callJson("/v1/logs", {
      token: account.accessToken,
      body: {
        mealType: "dinner",
        eatenAt: "2026-11-20T23:30:00+09:00",
        title: "Bibimbap",
        calories: 650,
        proteinG: 20.5,
        tags: ["homemade", "vegetable"],
      },
      headers: { "Idempotency-Key": "k1" },
    });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(created.body);
    const list = await callJson("/v1/logs?limit=5", { token: account.accessToken });
    expect(list.body.items).toHaveLength(1);
    const patched = await callJson(`/v1/logs/${created.body.log.id}`, {
      method: "PATCH",
      token: account.accessToken,
      body: { eatenAt: "2026-11-21T01:00:00+09:00" },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.log.localDate).toBe("2026-11-21");
    const summary = await callJson("/v1/logs/summary?from=2026-11-19&to=2026-11-22", {
      token: account.accessToken,
    });
    expect(summary.status).toBe(200);
    expect(summary.body.days).toHaveLength(4);
    expect(summary.body.totals.calories).toBe(650);
    const del = await callJson(`/v1/logs/${created.body.log.id}`, {
      method: "DELETE",
      token: account.accessToken,
    });
    expect(del.status).toBe(204);
    const summary2 = await callJson("/v1/logs/summary?from=2026-11-19&to=2026-11-22", {
      token: account.accessToken,
    });
    expect(summary2.body.totals.calories).toBe(0);
  });
});
