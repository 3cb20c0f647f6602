import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { buildApp } from "../../src/app";
import { call, callJson, expectProblem } from "../helpers/http";

// A port nothing listens on: the database or Redis "down" exactly as a refused connection.
const CLOSED = "http://127.0.0.1:9";

const withEnv = (overrides: Record<string, string | undefined>, path = "/health/ready") =>
  buildApp().request(`http://localhost${path}`, {}, { ...env, ...overrides }, createExecutionContext());

describe("GET /health", () => {
  it("answers ok without touching a dependency", async () => {
    const response = await withEnv({ NEON_FETCH_ENDPOINT: `${CLOSED}/sql` }, "/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });
});

describe("GET /health/ready", () => {
  it("reports the database and the cache", async () => {
    const { status, body, response } = await callJson("/health/ready");
    expect(status).toBe(200);
    expect(body).toEqual({ status: "ok", checks: { db: "ok", cache: "ok" } });
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("reports the cache as disabled when no Upstash is configured", async () => {
    const response = await withEnv({
      UPSTASH_REDIS_REST_URL: undefined,
      UPSTASH_REDIS_REST_TOKEN: undefined,
    });
    expect(await response.json()).toEqual({ status: "ok", checks: { db: "ok", cache: "disabled" } });
  });

  it("stays ready when Redis is down (Redis is optional)", async () => {
    const response = await withEnv({ UPSTASH_REDIS_REST_URL: CLOSED });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", checks: { db: "ok", cache: "unavailable" } });
  });

  it("answers 503 within 3 s when the database hangs (never a hang, never a 500)", async () => {
    const hanging = inject("neonHttpUrl").replace(/\/sql$/, "/__fault/hang/sql");
    const started = Date.now();
    const response = await withEnv({ NEON_FETCH_ENDPOINT: hanging });
    expect(Date.now() - started).toBeLessThan(3000);
    const problem = await expectProblem(response, 503);
    expect(problem.checks).toEqual({ db: "unavailable", cache: "ok" });
  });

  it("answers 503 problem+json with Retry-After within 3 s when the database is unreachable", async () => {
    const started = Date.now();
    const response = await withEnv({ NEON_FETCH_ENDPOINT: `${CLOSED}/sql` });
    expect(Date.now() - started).toBeLessThan(3000);
    const problem = await expectProblem(response, 503);
    expect(problem.code).toBe("SERVICE_UNAVAILABLE");
    expect(problem.checks).toEqual({ db: "unavailable", cache: "ok" });
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("GET /openapi.json and /docs", () => {
  it("serves an OpenAPI 3.1 document of the routes", async () => {
    const { status, body } = await callJson("/openapi.json");
    expect(status).toBe(200);
    expect(body.openapi).toBe("3.1.0");
    expect(body.info.title).toBe("Sikdan API");
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(["/health", "/health/ready"]));
    expect(body.components.schemas.Problem).toBeDefined();
  });

  it("serves an HTML reference page built from /openapi.json", async () => {
    const response = await call("/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const html = await response.text();
    expect(html).toContain("/openapi.json");
  });
});
