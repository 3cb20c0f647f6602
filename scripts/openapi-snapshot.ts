// `npm run openapi:snapshot`: writes the OpenAPI document the Worker serves to openapi.json, the
// committed snapshot that other clients generate code from. A test fails when they differ, so no
// route changes shape unnoticed: after an intended change, run this and commit the diff.
import { writeFileSync } from "node:fs";
import { buildApp } from "../src/app.ts";
import { openApiConfig } from "../src/routes/docs/index.ts";

const document = buildApp().getOpenAPI31Document(openApiConfig);
writeFileSync(new URL("../openapi.json", import.meta.url), `${JSON.stringify(document, null, 2)}\n`);
console.log(`openapi.json: ${Object.keys(document.paths ?? {}).length} paths`);
