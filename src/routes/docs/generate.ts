import { OpenAPIHono } from "@hono/zod-openapi";
import { buildApp } from "../../app";
import { responseHeaders } from "../../lib/openapi-headers";
import { routeDefinitions } from "../../lib/openapi-router";
import { authProse } from "../auth/auth.prose";
import { badgesProse } from "../badges/badges.prose";
import { challengesProse } from "../challenges/challenges.prose";
import { foodsProse } from "../foods/foods.prose";
import { healthProse } from "../health/health.prose";
import { logsProse } from "../logs/logs.prose";
import { photosProse } from "../photos/photos.prose";
import { usersProse } from "../users/users.prose";

/** Each operation's summary and description, by operationId (not in the Worker's bundle). */
const prose = {
  ...healthProse,
  ...authProse,
  ...usersProse,
  ...logsProse,
  ...photosProse,
  ...badgesProse,
  ...challengesProse,
  ...foodsProse,
};

// Node and tests only (`npm run openapi:snapshot`, test/foundation/openapi.test.ts): the Worker
// serves the committed public/openapi.json this writes, and never imports this module, so the
// generator (@asteasolutions/zod-to-openapi, through @hono/zod-openapi) stays out of its bundle.

const description = `The API of Sikdan (식단), a gamified meal diary.

* JSON in and out, camelCase fields; timestamps ISO 8601; calendar days \`YYYY-MM-DD\` in the user's time zone.
* Errors are RFC 9457 \`application/problem+json\` with a machine \`code\`; invalid input adds \`errors[{path,message}]\`.
* Every response carries \`X-Request-Id\` (a valid incoming one is echoed).
* Browsers authenticate with HttpOnly cookies; other clients with \`Authorization: Bearer\`.
* A method a path does not have answers 405 with \`Allow\`; an unknown path 404.`;

/** The document's header; the paths come from the route definitions. */
export const openApiConfig = {
  openapi: "3.1.0",
  info: { title: "Sikdan API", version: "1.0.0", description },
  servers: [{ url: "http://localhost:8787", description: "Local: npm run dev" }],
  tags: [
    { name: "Health", description: "Liveness and readiness, for uptime checks." },
    { name: "Auth", description: "Accounts, sessions and tokens (cookies for browsers, Bearer for others)." },
    { name: "Users", description: "The signed-in user's profile, stats, badges and data; public profiles." },
    { name: "Meal logs", description: "What was eaten when, and daily totals against the goals." },
    {
      name: "Meal photos",
      description: "A photo per meal: uploaded without its metadata, shown through signed URLs.",
    },
    { name: "Badges", description: "The badge catalog." },
    {
      name: "Challenges",
      description: "Official and user-made challenges: joining, progress, leaderboards.",
    },
    {
      name: "Foods",
      description:
        "What people eat, per 100 g: custom foods and Open Food Facts products, found by name or barcode, for logs built without typing numbers.",
    },
  ],
};

/** The OpenAPI 3.1 document of every route `buildApp()` defines, generated from the definitions. */
export function generateOpenApiDocument(app: object = buildApp()) {
  const generator = new OpenAPIHono();
  const registry = generator.openAPIRegistry;
  for (const [name, header] of Object.entries(responseHeaders))
    registry.registerComponent("headers", name, header);
  for (const route of routeDefinitions(app)) {
    const text = route.operationId ? prose[route.operationId] : undefined;
    if (!text)
      throw new Error(`${route.method} ${route.path}: no prose (summary, description) for its operationId`);
    registry.registerPath({ ...route, ...text });
  }
  registry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  registry.registerComponent("securitySchemes", "cookie", {
    type: "apiKey",
    in: "cookie",
    name: "access_token",
  });
  return generator.getOpenAPI31Document(openApiConfig);
}
