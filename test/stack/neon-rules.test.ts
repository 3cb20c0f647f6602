import { neon, neonConfig } from "@neondatabase/serverless";
import { describe, expect, inject, it } from "vitest";
import { isDatabaseUnavailable } from "../../src/db/errors";

// The production rules of Neon's HTTP proxy that the local endpoint enforces (stack/README.md cites
// each one in the proxy's source), checked with raw requests and with the production driver.
const endpoint = inject("neonHttpUrl");
const control = inject("neonControlUrl");
const base = endpoint.replace(/\/sql$/, "");
const connectionString = "postgres://sikdan:sikdan@db.sikdan.localhost/sikdan";
const table = `stack_rules_${crypto.randomUUID().replaceAll("-", "")}`;
const MiB = 1024 * 1024;

const rawQuery = (body: unknown, options: { url?: string; signal?: AbortSignal } = {}) =>
  fetch(options.url ?? endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Neon-Connection-String": connectionString },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: options.signal ?? null,
  });

const ok = async (body: unknown) => {
  const response = await rawQuery(body);
  expect(response.status).toBe(200);
  return (await response.json()) as { rows: unknown[][] | Record<string, unknown>[] };
};

/** The driver's error for a query sent through `url`. */
async function driverError(url: string, query: string): Promise<unknown> {
  neonConfig.fetchEndpoint = url;
  try {
    await neon(connectionString).query(query);
  } catch (error) {
    return error;
  } finally {
    neonConfig.fetchEndpoint = endpoint;
  }
  throw new Error("the query was expected to fail");
}

describe("Neon proxy rules: sizes", () => {
  it("answers a request body over 10 MiB with 413 and no SQLSTATE", async () => {
    const response = await rawQuery({ query: "select $1::text", params: ["x".repeat(10 * MiB + 1)] });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({
      message: expect.stringContaining("request is too large"),
      code: "",
    });
  });

  it("answers a response over 10 MiB with 507 and no SQLSTATE, rolling back the whole batch", async () => {
    await ok({ query: `create table ${table} (id int primary key)` });
    const single = await rawQuery({ query: `select repeat('x', ${10 * MiB + 1})` });
    expect(single.status).toBe(507);
    expect(await single.json()).toMatchObject({
      message: expect.stringContaining("response is too large"),
      code: "",
    });

    // Each answer is under the limit; together they are not.
    const half = `select repeat('x', ${6 * MiB})`;
    const batch = await rawQuery({
      queries: [{ query: `insert into ${table} values (1)` }, { query: half }, { query: half }],
    });
    expect(batch.status).toBe(507);
    expect((await ok({ query: `select count(*) from ${table}` })).rows).toEqual([{ count: "0" }]);
  });
});

describe("Neon proxy rules: sessions and connections", () => {
  it("resets the pooled session after each request (settings, advisory locks)", async () => {
    await ok({ query: "select set_config('application_name', 'leaked-setting', false)" });
    await ok({ query: "select pg_advisory_lock(424242)" });
    for (let attempt = 0; attempt < 4; attempt++) {
      const { rows } = await ok({ query: "select current_setting('application_name') as name" });
      expect(rows[0]).not.toEqual({ name: "leaked-setting" });
    }
    // A lock left held by a pooled session would be refused here (or, in the single PGlite session,
    // be taken twice and need two unlocks).
    const { rows } = await ok({
      query: "select pg_try_advisory_lock(424242) as taken, pg_advisory_unlock(424242) as released",
    });
    expect(rows[0]).toEqual({ taken: "t", released: "t" });
    expect((await ok({ query: "select pg_advisory_unlock(424242) as again" })).rows[0]).toEqual({
      again: "f",
    });
  });

  it("cancels and rolls back a batch whose client went away", async () => {
    const tag = `cancel-${crypto.randomUUID()}`;
    const statsUrl = `${control}/stats?tag=${tag}`;
    const slowBatch = rawQuery(
      { queries: [{ query: `insert into ${table} values (42)` }, { query: "select pg_sleep(1.5)" }] },
      { url: `${base}/__tag/${tag}/sql`, signal: AbortSignal.timeout(300) },
    );
    await expect(slowBatch).rejects.toMatchObject({ name: "TimeoutError" });
    // Wait for the endpoint to see the disconnect, then check that nothing committed.
    for (;;) {
      const stats = (await (await fetch(statsUrl)).json()) as { cancelled: number };
      if (stats.cancelled === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await ok({ query: `select count(*) from ${table} where id = 42` })).rows).toEqual([
      { count: "0" },
    ]);
  });

  it("answers a refused connection as 400 with code '' and the driver's error reads as unavailable", async () => {
    const response = await rawQuery({ query: "select 1" }, { url: `${base}/__fault/refuse/sql` });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "", message: expect.stringContaining("password") });
    const refused = await driverError(`${base}/__fault/refuse/sql`, "select 1");
    expect(refused).toMatchObject({ name: "NeonDbError", code: "" });
    expect(isDatabaseUnavailable(refused)).toBe(true);
  });

  it("reads a database that cannot be reached as unavailable, and a 507 as a bug", async () => {
    expect(isDatabaseUnavailable(await driverError("http://127.0.0.1:9/sql", "select 1"))).toBe(true);
    const tooLarge = await driverError(endpoint, `select repeat('x', ${10 * MiB + 1})`);
    expect(String(tooLarge)).toContain("HTTP status 507");
    expect(isDatabaseUnavailable(tooLarge)).toBe(false);
  });
});
