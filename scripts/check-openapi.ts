// `npm run lint` (after Redocly and Spectral): what the generic linters do not check in openapi.json.
// - every `pattern` compiles as JSON Schema reads it: an ECMA-262 regular expression with the `u` flag;
// - every documented example validates against its schema (Ajv, JSON Schema 2020-12 as OpenAPI 3.1 says);
// - every operation has a camelCase `operationId`, tags, a description and `security`;
// - every response declares `X-Request-Id`; 429 declares `Retry-After` and `RateLimit-*`; 503 `Retry-After`;
//   a write (POST/PATCH/DELETE) declares 413 and 415; an operation with a path parameter declares 400 and 404.
// - the generated client types (src/generated/openapi.d.ts) are those of the committed document.
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { CLIENT_TYPES_PATH, clientTypes } from "./lib/client-types.ts";

type Json = Record<string, unknown>;
const documentUrl = new URL("../public/openapi.json", import.meta.url);
const document = JSON.parse(readFileSync(documentUrl, "utf8")) as Json;
const DOCUMENT_ID = "https://sikdan.app/openapi.json";
const problems: string[] = [];
const counted = { patterns: 0, examples: 0, operations: 0 };

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ ...document, $id: DOCUMENT_ID });

const pointer = (path: string[]) =>
  `#/${path.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/")}`;

function checkExample(path: string[], schemaPath: string[], example: unknown) {
  counted.examples += 1;
  let validate: ReturnType<typeof ajv.compile>;
  try {
    validate = ajv.compile({ $ref: `${DOCUMENT_ID}${pointer(schemaPath)}` });
  } catch (err) {
    problems.push(`${pointer(path)}: its schema does not compile: ${err}`);
    return;
  }
  if (!validate(example)) {
    problems.push(`${pointer(path)}: example does not match its schema: ${ajv.errorsText(validate.errors)}`);
  }
}

/** Walks the document: patterns everywhere, examples next to the schema they illustrate. */
function walk(node: unknown, path: string[]) {
  if (Array.isArray(node)) {
    for (const [index, item] of node.entries()) walk(item, [...path, String(index)]);
    return;
  }
  if (!node || typeof node !== "object") return;
  const object = node as Json;
  if (typeof object.pattern === "string" && path.at(-1) !== "properties") {
    counted.patterns += 1;
    try {
      new RegExp(object.pattern, "u");
    } catch (err) {
      problems.push(`${pointer(path)}: pattern ${object.pattern} is not an ECMA-262 regex with u: ${err}`);
    }
  }
  const isSchema = typeof object.type === "string" || "$ref" in object || "anyOf" in object;
  if (path.at(-1) !== "properties") {
    // A parameter, header or media type: its example(s) against its `schema`; a schema: its own.
    const schemaPath = "schema" in object ? [...path, "schema"] : isSchema ? path : undefined;
    if (schemaPath && object.example !== undefined) {
      checkExample([...path, "example"], schemaPath, object.example);
    }
    if (schemaPath && Array.isArray(object.examples)) {
      for (const [i, value] of object.examples.entries()) {
        checkExample([...path, "examples", String(i)], schemaPath, value);
      }
    } else if (schemaPath && object.examples && typeof object.examples === "object") {
      for (const [name, example] of Object.entries(object.examples as Record<string, Json>)) {
        checkExample([...path, "examples", name], schemaPath, example.value);
      }
    }
  }
  for (const [key, value] of Object.entries(object)) walk(value, [...path, key]);
}
walk(document, []);

const resolveHeader = (header: Json) =>
  typeof header.$ref === "string" ? header.$ref.split("/").at(-1) : undefined;

const METHODS = ["get", "post", "put", "patch", "delete"];
for (const [route, item] of Object.entries(document.paths as Record<string, Json>)) {
  for (const method of METHODS.filter((m) => m in item)) {
    const operation = item[method] as Json;
    const where = `${method.toUpperCase()} ${route}`;
    counted.operations += 1;
    const id = operation.operationId;
    if (typeof id !== "string" || !/^[a-z][a-zA-Z0-9]*$/.test(id))
      problems.push(`${where}: no camelCase operationId`);
    if (!Array.isArray(operation.tags) || operation.tags.length === 0) problems.push(`${where}: no tags`);
    if (typeof operation.description !== "string" || !operation.description)
      problems.push(`${where}: no description`);
    if (!Array.isArray(operation.security)) problems.push(`${where}: no security (public operations say [])`);
    const responses = operation.responses as Record<string, Json>;
    const must = (status: string, why: string) => {
      if (!(status in responses)) problems.push(`${where}: ${status} not declared (${why})`);
    };
    if (method !== "get") {
      must("413", "bodies over 64 KiB are refused on every write");
      must("415", "non-JSON bodies are refused on every write");
    }
    if (route.includes("{")) {
      must("400", "an over-long id is invalid input");
      must("404", "an unknown id");
    }
    for (const [status, response] of Object.entries(responses)) {
      const declared = new Set(
        Object.values((response.headers ?? {}) as Record<string, Json>).map(resolveHeader),
      );
      const needs = ["X-Request-Id"];
      if (status === "429")
        needs.push("Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset");
      if (status === "503") needs.push("Retry-After");
      for (const header of needs) {
        if (!declared.has(header)) problems.push(`${where} ${status}: header ${header} not declared`);
      }
    }
  }
}

// The committed client types must be those the committed document generates.
const generated = await clientTypes();
const committed = readFileSync(CLIENT_TYPES_PATH, "utf8");
if (generated !== committed) {
  problems.push(
    "src/generated/openapi.d.ts is not the one openapi.json generates: run `npm run openapi:types`",
  );
}

if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  console.error(`openapi.json: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(
  `openapi.json: ${counted.patterns} patterns, ${counted.examples} examples, ${counted.operations} operations and the client types OK`,
);
