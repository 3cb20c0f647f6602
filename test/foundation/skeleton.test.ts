import { createExecutionContext, env } from "cloudflare:test";
import { createRoute, z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/create-app";
import { ApiError } from "../../src/lib/errors";
import { json } from "../../src/lib/openapi";
import { expectConsoleError } from "../helpers/console";
import { call, expectProblem } from "../helpers/http";

// A throwaway app built by the same createApp() as the real one, with routes that exercise the
// cross-cutting behaviour (validation, body guards, error mapping) without any feature's rules.
function skeletonApp() {
  const echo = createRoute({
    method: "post",
    path: "/echo",
    request: {
      body: {
        content: {
          "application/json": { schema: z.object({ name: z.string().min(1).max(5), age: z.number().int() }) },
        },
      },
    },
    responses: { 200: json(z.object({ name: z.string() }), "echo") },
  });
  return createApp()
    .openapi(echo, (c) => c.json({ name: c.req.valid("json").name }, 200))
    .get("/boom", () => {
      throw new Error("secret internal detail: password=hunter2");
    })
    .get("/conflict", () => {
      throw new ApiError("CONFLICT", { detail: "Already there." });
    });
}

const request = (path: string, init?: RequestInit) =>
  skeletonApp().request(`http://localhost${path}`, init, env, createExecutionContext());

const post = (body: BodyInit, headers: Record<string, string> = { "content-type": "application/json" }) =>
  request("/echo", { method: "POST", body, headers });

describe("createApp: happy path", () => {
  it("validates and answers JSON", async () => {
    const response = await post(JSON.stringify({ name: "Kim", age: 30 }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ name: "Kim" });
  });

  it("generates an X-Request-Id, and echoes a valid incoming one", async () => {
    const generated = await call("/health");
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await call("/health", { headers: { "X-Request-Id": "trace-abc_123" } });
    expect(echoed.headers.get("x-request-id")).toBe("trace-abc_123");
    const invalid = await call("/health", { headers: { "X-Request-Id": "bad id <script>" } });
    expect(invalid.headers.get("x-request-id")).not.toBe("bad id <script>");
  });

  it("sets security headers", async () => {
    const response = await call("/health");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(response.headers.get("strict-transport-security")).toContain("max-age=");
  });
});

describe("createApp: errors are problem+json", () => {
  it("answers an unknown route with 404", async () => {
    const response = await call("/no/such/route");
    const problem = await expectProblem(response, 404);
    expect(problem.code).toBe("NOT_FOUND");
    expect(problem.requestId).toBe(response.headers.get("x-request-id"));
  });

  it("answers a known path asked with another method with 405 and Allow (RFC 9110)", async () => {
    const response = await call("/health", { method: "DELETE" });
    const problem = await expectProblem(response, 405);
    expect(problem.code).toBe("METHOD_NOT_ALLOWED");
    expect(response.headers.get("allow")).toBe("GET, HEAD");
    expect(response.headers.get("x-request-id")).toBeTruthy();
  });

  it("lists every method of a path with parameters in Allow", async () => {
    const response = await call("/v1/users/some-user-id", { method: "PUT" });
    await expectProblem(response, 405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
  });

  it("answers invalid fields with 400 and errors[{path,message}]", async () => {
    const problem = await expectProblem(await post(JSON.stringify({ name: "too long name", age: 1.5 })), 400);
    expect(problem.code).toBe("INVALID_INPUT");
    expect(problem.errors?.map((error) => error.path).sort()).toEqual(["age", "name"]);
    for (const error of problem.errors ?? []) expect(error.message).toBeTruthy();
  });

  it("answers malformed JSON with 400", async () => {
    const problem = await expectProblem(await post("{ not json"), 400);
    expect(problem.code).toBe("MALFORMED_REQUEST");
  });

  it("answers a non-JSON body with 415", async () => {
    const problem = await expectProblem(
      await post("name=Kim", { "content-type": "application/x-www-form-urlencoded" }),
      415,
    );
    expect(problem.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    await expectProblem(await post("{}", {}), 415);
  });

  it("accepts JSON media types with parameters and +json suffixes", async () => {
    const body = JSON.stringify({ name: "Lee", age: 2 });
    expect((await post(body, { "content-type": "application/json; charset=utf-8" })).status).toBe(200);
    expect((await post(body, { "content-type": "application/merge-patch+json" })).status).toBe(200);
  });

  it("answers a body over 64 KiB with 413", async () => {
    const big = JSON.stringify({ name: "a", age: 1, pad: "x".repeat(70 * 1024) });
    const problem = await expectProblem(await post(big), 413);
    expect(problem.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("maps a thrown ApiError to its status", async () => {
    const problem = await expectProblem(await request("/conflict"), 409);
    expect(problem.detail).toBe("Already there.");
  });

  it("answers an unexpected error with 500, without internals, and logs it with the request id", async () => {
    const logged = expectConsoleError();
    const response = await request("/boom", { headers: { "X-Request-Id": "req-500-test" } });
    const problem = await expectProblem(response, 500);
    expect(JSON.stringify(problem)).not.toContain("hunter2");
    expect(JSON.stringify(problem)).not.toContain("secret internal");
    const lines = logged.map((args) => JSON.parse(String(args[0])));
    expect(lines).toContainEqual(expect.objectContaining({ level: "error", requestId: "req-500-test" }));
  });
});

describe("createApp: CORS", () => {
  const allowed = "http://localhost:3000";

  it("answers a preflight from a listed origin with credentials allowed", async () => {
    const response = await call("/health", {
      method: "OPTIONS",
      headers: { Origin: allowed, "Access-Control-Request-Method": "POST" },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(allowed);
    expect(response.headers.get("access-control-allow-credentials")).toBe("true");
    expect(response.headers.get("access-control-allow-methods")).toContain("PATCH");
  });

  it("gives an unlisted origin no CORS headers at all", async () => {
    for (const method of ["OPTIONS", "GET"]) {
      const response = await call("/health", {
        method,
        headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" },
      });
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    }
  });

  it("exposes the request id to listed origins", async () => {
    const response = await call("/health", { headers: { Origin: allowed } });
    expect(response.headers.get("access-control-allow-origin")).toBe(allowed);
    expect(response.headers.get("access-control-expose-headers")).toContain("X-Request-Id");
  });
});
