import { describe, expect, it } from "vitest";
import document from "../../public/openapi.json";
import { call } from "../helpers/http";
import { signUp } from "../helpers/users";

// The statuses a client meets outside the happy path, asked of every operation of the committed
// document: each answer must be one the operation declares, with the headers the document says.
type Operation = {
  responses: Record<string, { headers?: Record<string, unknown> }>;
  requestBody?: { content?: Record<string, unknown> };
};
const operations = Object.entries(document.paths as Record<string, Record<string, Operation>>).flatMap(
  ([path, item]) => Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
);
const OVERLONG_ID = "x".repeat(101);
const withId = (path: string, id: string) => path.replace("{id}", id);

async function expectDeclared(response: Response, operation: Operation, where: string) {
  const declared = operation.responses[String(response.status)];
  expect(declared, `${where} answered ${response.status}, which it does not declare`).toBeDefined();
  expect(response.headers.get("x-request-id"), `${where}: X-Request-Id`).toBeTruthy();
  for (const name of Object.keys(declared?.headers ?? {})) {
    if (["Retry-After", "RateLimit-Limit"].includes(name)) {
      expect(response.headers.get(name), `${where} ${response.status}: ${name}`).toBeTruthy();
    }
  }
  await response.body?.cancel();
}

describe("every response is documented", () => {
  it("an over-long id is 400 on every operation with an id, as declared", async () => {
    const { accessToken } = await signUp();
    const withIds = operations.filter(({ path }) => path.includes("{id}"));
    expect(withIds.length).toBeGreaterThanOrEqual(10);
    for (const { path, method, operation } of withIds) {
      const hasBody = ["patch"].includes(method);
      const response = await call(withId(path, OVERLONG_ID), {
        method: method.toUpperCase(),
        token: accessToken,
        ...(hasBody ? { body: { title: "x" } } : {}),
      });
      expect(response.status, `${method} ${path}`).toBe(400);
      await expectDeclared(response, operation, `${method.toUpperCase()} ${path}`);
    }
  });

  it("a body that is not JSON (or not an image) is 415, and one over the limit (64 KiB; 5 MiB for images) 413, on every write, as declared", async () => {
    const { accessToken } = await signUp();
    const writes = operations.filter(({ method }) => method !== "get");
    for (const { path, method, operation } of writes) {
      const url = withId(path, crypto.randomUUID());
      const where = `${method.toUpperCase()} ${path}`;
      const notJson = await call(url, {
        method: method.toUpperCase(),
        token: accessToken,
        rawBody: "hello",
        headers: { "content-type": "text/plain" },
      });
      expect(notJson.status, where).toBe(415);
      await expectDeclared(notJson, operation, where);
      const takesImages = Object.keys(operation.requestBody?.content ?? {}).some((type) =>
        type.startsWith("image/"),
      );
      const tooLarge = await call(url, {
        method: method.toUpperCase(),
        token: accessToken,
        rawBody: takesImages
          ? new Uint8Array(5 * 1024 * 1024 + 1)
          : JSON.stringify({ title: "x".repeat(70_000) }),
        headers: { "content-type": takesImages ? "image/jpeg" : "application/json" },
      });
      expect(tooLarge.status, where).toBe(413);
      await expectDeclared(tooLarge, operation, where);
    }
  });

  it("without a token, every authenticated operation is 401 with WWW-Authenticate, as declared", async () => {
    const authenticated = operations.filter(({ operation }) => {
      const security = (operation as { security?: Record<string, unknown>[] }).security ?? [];
      return security.length > 0 && security.every((requirement) => Object.keys(requirement).length > 0);
    });
    expect(authenticated.length).toBeGreaterThanOrEqual(20);
    for (const { path, method, operation } of authenticated) {
      const where = `${method.toUpperCase()} ${path}`;
      const response = await call(withId(path, crypto.randomUUID()), { method: method.toUpperCase() });
      expect(response.status, where).toBe(401);
      expect(response.headers.get("www-authenticate"), where).toContain("Bearer");
      await expectDeclared(response, operation, where);
    }
  });
});
