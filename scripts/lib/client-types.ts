// TypeScript types of the committed public/openapi.json, for clients that call the API through openapi-fetch
// (test/client/generated-client.test.ts): `npm run openapi:types` writes them, `npm run lint` checks them.
import openapiTS, { astToString } from "openapi-typescript";

export const CLIENT_TYPES_PATH = new URL("../../src/generated/openapi.d.ts", import.meta.url);
const DOCUMENT_URL = new URL("../../public/openapi.json", import.meta.url);

const header = `// Generated from public/openapi.json by openapi-typescript (\`npm run openapi:types\`). Do not edit.\n\n`;

/** The types openapi-typescript generates from the committed document. */
export async function clientTypes() {
  return `${header}${astToString(await openapiTS(DOCUMENT_URL))}`;
}
