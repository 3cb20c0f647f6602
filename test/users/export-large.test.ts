import { describe, expect, it } from "vitest";
import { EXPORT_FAILED_MARK, EXPORT_PAGE_ROWS } from "../../src/services/export";
import { sql } from "../helpers/db";
import { generateDailyLogs, generateMaximalLogs } from "../helpers/generate";
import { call, callJson } from "../helpers/http";
import { signUp } from "../helpers/users";

const NEON_RESPONSE_LIMIT = 10 * 1024 * 1024; // Neon answers 507 above it (stack/README.md)

const logIdsOf = async (userId: string) =>
  (await sql<{ id: string }>("select id from meal_logs where user_id = $1 order by id", [userId])).map(
    (row) => row.id,
  );

/** Reads a streamed body to its end, or to the error that ended it. */
async function readAll(response: Response, afterFirstLog?: () => Promise<void>) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let hook = afterFirstLog;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { text, failed: false };
      text += decoder.decode(value, { stream: true });
      if (hook && text.includes('"logs":[{')) {
        await hook();
        hook = undefined;
      }
    }
  } catch (err) {
    return { text, failed: true, err };
  }
}

describe("GET /v1/users/me/export at any size (streamed in keyset pages)", () => {
  it("a diary larger than Neon's 10 MiB response limit exports as one valid JSON document, every log once", async () => {
    const account = await signUp();
    const count = 1_300;
    const bytes = await generateMaximalLogs(account.user.id, count);
    // One response holding them all would be refused by Neon (507); a page is a small part of it.
    expect(bytes).toBeGreaterThan(NEON_RESPONSE_LIMIT);
    expect((bytes / count) * EXPORT_PAGE_ROWS).toBeLessThan(NEON_RESPONSE_LIMIT / 3);
    const posted = await callJson("/v1/logs", {
      token: account.accessToken,
      body: { mealType: "lunch", eatenAt: new Date().toISOString(), title: "Through the API" },
    });
    expect(posted.status).toBe(201);

    const response = await call("/v1/users/me/export", { token: account.accessToken });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="sikdan-export.json"');
    expect(response.headers.get("cache-control")).toBe("no-store");
    const { text, failed } = await readAll(response);
    expect(failed).toBe(false);
    expect(text.length).toBeGreaterThan(count * 4000);
    const body = JSON.parse(text);
    expect(Object.keys(body)).toEqual([
      "exportedAt",
      "profile",
      "sessions",
      "logs",
      "challengesJoined",
      "challengesCreated",
      "foods",
      "badges",
    ]);
    const ids = (body.logs as { id: string }[]).map((log) => log.id);
    expect(ids).toHaveLength(count + 1);
    expect(new Set(ids).size).toBe(ids.length);
    // In id order (creation order), exactly the rows of the database.
    expect(ids).toEqual(await logIdsOf(account.user.id));
    expect(body.logs.find((log: { id: string }) => log.id === posted.body.log.id)).toEqual(posted.body.log);
    expect(body.logs[0]).toMatchObject({ title: "🍚".repeat(200), note: "😀".repeat(2000), calories: 10000 });
    expect(body.profile.id).toBe(account.user.id);
    expect(body.badges.map((badge: { code: string }) => badge.code).sort()).toEqual([
      "first_log",
      "logs_100",
    ]);
  });

  it("exactly a page, and a page and one, of logs: nothing repeated or lost at the page boundary", async () => {
    for (const count of [EXPORT_PAGE_ROWS, EXPORT_PAGE_ROWS + 1]) {
      const account = await signUp();
      await generateDailyLogs([account.user.id], () => count);
      const { status, body } = await callJson("/v1/users/me/export", { token: account.accessToken });
      expect(status).toBe(200);
      expect(body.logs.map((log: { id: string }) => log.id)).toEqual(await logIdsOf(account.user.id));
      expect(body.logs).toHaveLength(count);
    }
  });

  it("a failure after the response started (here the session ends) leaves a body that cannot parse, never a shorter valid one", async () => {
    const account = await signUp();
    await generateDailyLogs([account.user.id], () => EXPORT_PAGE_ROWS * 20);
    const response = await call("/v1/users/me/export", { token: account.accessToken });
    expect(response.status).toBe(200);
    const { text, failed } = await readAll(response, async () => {
      const logout = await callJson("/v1/auth/logout", { method: "POST", token: account.accessToken });
      expect(logout.status).toBe(204);
    });
    expect(failed).toBe(false);
    expect(text.endsWith(EXPORT_FAILED_MARK)).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
    // What came before the failure was sent as it was read: some logs, not all of them.
    const sent = text.match(/"localDate"/g)?.length ?? 0;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(EXPORT_PAGE_ROWS * 20);
  });
});
