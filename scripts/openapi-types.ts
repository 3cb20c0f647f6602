// `npm run openapi:types`: regenerates src/generated/openapi.d.ts from the committed public/openapi.json
// (after `npm run openapi:snapshot`). `npm run lint` fails while the two disagree.
import { writeFileSync } from "node:fs";
import { CLIENT_TYPES_PATH, clientTypes } from "./lib/client-types.ts";

writeFileSync(CLIENT_TYPES_PATH, await clientTypes());
console.log(`wrote ${CLIENT_TYPES_PATH.pathname}`);
