import { describe, expect, it } from "vitest";
import { callJson } from "../helpers/http";
import { signUp } from "../helpers/users";

describe("auth smoke", () => {
  it("signs up, reads me, refreshes, logs out", async () => {
    const account = await signUp();
    const me = await callJson("/v1/users/me", { token: account.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(account.email);
    const refreshed = await callJson("/v1/auth/refresh", { body: { refreshToken: account.refreshToken } });
    expect(refreshed.status).toBe(200);
    const out = await callJson("/v1/auth/logout", { method: "POST", token: refreshed.body.accessToken });
    expect(out.status).toBe(204);
    const after = await callJson("/v1/users/me", { token: refreshed.body.accessToken });
    expect(after.status).toBe(401);
  });
});
