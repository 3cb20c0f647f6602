import { Scalar } from "@scalar/hono-api-reference";
import type { App } from "../../lib/create-app";
import { ProblemSchema, responseHeaders } from "../../lib/openapi";

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
  ],
};

/** Serves the OpenAPI 3.1 document generated from the route definitions, and a reference page. */
export function mountDocs(app: App) {
  app.openAPIRegistry.register("Problem", ProblemSchema);
  for (const [name, header] of Object.entries(responseHeaders)) {
    app.openAPIRegistry.registerComponent("headers", name, header);
  }
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "cookie", {
    type: "apiKey",
    in: "cookie",
    name: "access_token",
  });
  app.doc31("/openapi.json", openApiConfig);
  // The script is our own static asset (public/docs/scalar.js), not a CDN's.
  app.get(
    "/docs",
    Scalar({
      url: "/openapi.json",
      pageTitle: "Sikdan API reference",
      cdn: "/docs/scalar.js",
      // System fonts: the page needs nothing from anywhere but this Worker.
      withDefaultFonts: false,
    }),
  );
}
