// A stand-in for Open Food Facts' read API (v2), for local development and the tests: the one call
// Sikdan makes, from OFF's documentation (stack/README.md, "Open Food Facts"):
//
//   GET /api/v2/product/{code}.json[?fields=a,b]
//     known   → 200 {"code","product":{…},"status":1,"status_verbose":"product found"}
//     unknown → 404 {"code","status":0,"status_verbose":"product not found"}
//
// Products are the test fixtures (stack/openfoodfacts-fixtures.ts) and generated ones for GS1's
// in-store prefixes 200..299. Faults, for tests: the stack's usual ones (POST /__stack/config
// {"fault"}, or a /__fault/<mode> URL prefix for one client), and per code:
//   POST /__stack/products/{code}/fault {"fault": "error" | "hang" | "slow" | "none"}
// (`error` answers 500, `hang` never answers, `slow` answers after SLOW_PRODUCT_MS). GET /__stack/stats counts lookups.

import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { Control, type ControlConfig, closeServer, listen, readBody, sendJson } from "./control.ts";
import { FIXTURE_PRODUCTS, generatedProduct, type OffProduct } from "./openfoodfacts-fixtures.ts";

export type OpenFoodFactsStats = { requests: number };

export interface OpenFoodFactsEndpoint {
  port: number;
  control: Control<OpenFoodFactsStats>;
  close(): Promise<void>;
}

const PRODUCT_PATH = /^\/api\/v2\/product\/([^/]+?)(?:\.json)?$/;
const CODE_FAULT_PATH = /^\/__stack\/products\/(\d{1,20})\/fault$/;
const CODE_FAULTS = ["error", "hang", "slow", "none"] as const;
type CodeFault = Exclude<(typeof CODE_FAULTS)[number], "none">;
/** How long a `slow` code waits: long enough for concurrent lookups to overlap, short of any timeout. */
const SLOW_PRODUCT_MS = 500;

/** Only the requested `fields` of a product, as OFF's `fields` parameter does. */
function pick(product: OffProduct, fields: string | null): Record<string, unknown> {
  if (!fields) return product;
  const wanted = new Set(fields.split(","));
  return Object.fromEntries(Object.entries(product).filter(([key]) => wanted.has(key)));
}

export async function startOpenFoodFactsEndpoint(options: {
  host: string;
  port: number;
  config: ControlConfig;
  log: (line: string) => void;
}): Promise<OpenFoodFactsEndpoint> {
  const control = new Control<OpenFoodFactsStats>(options.config, { requests: 0 });
  const products = new Map(FIXTURE_PRODUCTS.map((product) => [product.code, product]));
  const codeFaults = new Map<string, CodeFault>();

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    control.scope(req);
    const url = new URL(req.url ?? "/", "http://x");
    const codeFault = CODE_FAULT_PATH.exec(url.pathname);
    if (codeFault && req.method === "POST") {
      const { fault } = JSON.parse((await readBody(req, 1024)).toString("utf8") || "{}") as {
        fault?: string;
      };
      if (!CODE_FAULTS.includes(fault as (typeof CODE_FAULTS)[number])) {
        return sendJson(res, 400, { error: `fault must be one of ${CODE_FAULTS.join(", ")}` });
      }
      if (fault === "none") codeFaults.delete(codeFault[1]!);
      else codeFaults.set(codeFault[1]!, fault as CodeFault);
      return sendJson(res, 200, { code: codeFault[1], fault });
    }
    if (await control.handle(req, res)) return;
    control.count("requests", 1, req);
    if (control.intercept(req, res)) return;
    const match = req.method === "GET" ? PRODUCT_PATH.exec(url.pathname) : null;
    if (!match) return sendJson(res, 404, { error: "not an Open Food Facts API route of this stand-in" });
    const code = decodeURIComponent(match[1]!);
    const fault = codeFaults.get(code);
    if (fault === "hang") return control.park(req.socket);
    await control.delay(req);
    if (fault === "slow") await sleep(SLOW_PRODUCT_MS);
    if (fault === "error") {
      res.writeHead(500, { "content-type": "text/html" }).end("<h1>500 Internal Server Error</h1>");
      return;
    }
    const product = products.get(code) ?? generatedProduct(code);
    if (!product) return sendJson(res, 404, { code, status: 0, status_verbose: "product not found" });
    sendJson(res, 200, {
      code,
      product: pick(product, url.searchParams.get("fields")),
      status: 1,
      status_verbose: "product found",
    });
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((error: Error) => {
      options.log(`openfoodfacts stand-in: ${error.stack ?? error.message}`);
      sendJson(res, 500, { error: error.message });
    });
  });
  const port = await listen(server, options.port, options.host);
  return {
    port,
    control,
    close: async () => {
      control.releaseParked();
      await closeServer(server);
    },
  };
}
