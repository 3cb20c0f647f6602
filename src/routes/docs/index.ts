import type { App } from "../../create-app";
import { ApiError } from "../../lib/errors";

// The reference page: Scalar's standalone script (our own static asset, public/docs/scalar.js, not
// a CDN's) rendering /openapi.json, with system fonts, so the page needs nothing from anywhere but
// this Worker. A constant page needs no page builder in the bundle.
const referencePage = `<!doctype html>
<html>
  <head>
    <title>Sikdan API reference</title>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
  </head>
  <body>
    <div id="app"></div>
    <script src="/docs/scalar.js"></script>
    <script>
      Scalar.createApiReference("#app", { url: "/openapi.json", withDefaultFonts: false });
    </script>
  </body>
</html>
`;

/**
 * Serves the OpenAPI 3.1 document, and a reference page. The document is the committed
 * public/openapi.json, generated from the route definitions by `npm run openapi:snapshot`
 * (./generate.ts) and read from the static assets, so it is not part of the Worker's bundle;
 * test/foundation/openapi.test.ts fails when it differs from what the routes generate.
 */
export function mountDocs(app: App) {
  app.get("/openapi.json", async (c) => {
    const asset = await c.env.ASSETS?.fetch(new URL("/openapi.json", c.req.url));
    if (!asset?.ok) throw new ApiError("NOT_FOUND", { detail: "The OpenAPI document is not deployed." });
    return c.body(await asset.text(), 200, { "Content-Type": "application/json" });
  });
  app.get("/docs", (c) => c.html(referencePage));
}
