import { describe, expect, it } from "vitest";
import committed from "../../public/openapi.json";
import { buildApp } from "../../src/app";
import { routeDefinitions } from "../../src/lib/openapi-router";
import { generateOpenApiDocument } from "../../src/routes/docs/generate";
import { call, callJson } from "../helpers/http";

// The Worker serves the committed public/openapi.json (a static asset, outside its bundle) instead
// of generating the document at run time. These hold the three together: what the route
// definitions generate, what is committed, what is served.
describe("the OpenAPI document", () => {
  it("committed is what the route definitions generate (run `npm run openapi:snapshot` after an intended change)", () => {
    expect(generateOpenApiDocument()).toEqual(committed);
  });

  it("served is the committed one, with the API's own headers", async () => {
    const response = await call("/openapi.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(response.headers.get("x-request-id")).toBeTruthy();
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect((await callJson("/openapi.json")).body).toEqual(committed);
  });

  it("has every route the Worker answers (each one defined with its schemas, none added around them)", () => {
    const app = buildApp();
    const documented = routeDefinitions(app).map((route) => `${route.method.toUpperCase()} ${route.path}`);
    const answered = app.routes
      .filter((route) => route.method !== "ALL" && !["/openapi.json", "/docs"].includes(route.path))
      .map((route) => `${route.method} ${route.path.replaceAll(/:(\w+)/g, "{$1}")}`);
    expect([...new Set(answered)].sort()).toEqual([...documented].sort());
    expect(Object.keys(committed.paths).length).toBe(new Set(documented.map((r) => r.split(" ")[1])).size);
  });
});
