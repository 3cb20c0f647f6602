// `npm run openapi:snapshot`: generates the OpenAPI document from the route definitions and writes
// it to public/openapi.json, the committed snapshot the Worker serves (a static asset, outside its
// bundle) and other clients generate code from. test/foundation/openapi.test.ts fails when the routes generate something else, so no route
// changes shape unnoticed: after an intended change, run this and commit the diff.
import { writeFileSync } from "node:fs";
import { generateOpenApiDocument } from "../src/routes/docs/generate.ts";

const document = generateOpenApiDocument();
writeFileSync(new URL("../public/openapi.json", import.meta.url), `${JSON.stringify(document, null, 2)}\n`);
console.log(`public/openapi.json: ${Object.keys(document.paths ?? {}).length} paths`);
