import { OpenAPIHono } from "@hono/zod-openapi";
import { buildApp } from "../../app";
import { routeDefinitions } from "../../lib/openapi-router";

// Node and tests only (`npm run openapi:snapshot`, test/foundation/openapi.test.ts): the Worker
// serves the committed openapi.json this writes, and never imports this module, so the generator
// (@asteasolutions/zod-to-openapi, through @hono/zod-openapi) stays out of its bundle.

const description = `The API of Sikdan (식단), a gamified meal diary.

* JSON in and out, camelCase fields; timestamps ISO 8601; calendar days \`YYYY-MM-DD\` in the user's time zone.
* Errors are RFC 9457 \`application/problem+json\` with a machine \`code\`; invalid input adds \`errors[{path,message}]\`.
* Every response carries \`X-Request-Id\` (a valid incoming one is echoed).
* Browsers authenticate with HttpOnly cookies; other clients with \`Authorization: Bearer\`.`;

/** The document's header; the paths come from the route definitions. */
export const openApiConfig = {
  openapi: "3.1.0",
  info: { title: "Sikdan API", version: "1.0.0", description },
};

/** The OpenAPI 3.1 document of every route `buildApp()` defines, generated from the definitions. */
export function generateOpenApiDocument(app: object = buildApp()) {
  const generator = new OpenAPIHono();
  for (const route of routeDefinitions(app)) generator.openAPIRegistry.registerPath(route);
  generator.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  generator.openAPIRegistry.registerComponent("securitySchemes", "cookie", {
    type: "apiKey",
    in: "cookie",
    name: "access_token",
  });
  return generator.getOpenAPI31Document(openApiConfig);
}
