import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import { zValidator } from "@hono/zod-validator";
import type { Context, Env, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { Hono } from "hono/tiny";
import { mergePath } from "hono/utils/url";
import type { ZodType } from "zod";

/**
 * The Worker's router: `@hono/zod-openapi`'s `OpenAPIHono` at run time, less the OpenAPI document.
 * The same route definitions (`createRoute`) give the same validation, types and typed client, but
 * the document is generated in Node (`npm run openapi:snapshot`, src/routes/docs/generate.ts) and
 * served as the committed openapi.json: the Worker carries neither the generator
 * (@asteasolutions/zod-to-openapi) nor the zod extension it installs, which made every bundle
 * carry all of zod (its locales included). test/foundation/openapi.test.ts holds both to the same
 * behaviour and the served document to what the routes generate.
 *
 * What it keeps of OpenAPIHono 1.6: query, path, header and cookie validators, the JSON body
 * validator (optional bodies may be left out), 415 for a body of a media type the route does not
 * declare, `middleware` in the route config, the router's `defaultHook`, and `routes` (each route's
 * definition, with the prefix it was mounted under) for the document generator. A route takes
 * JSON bodies (validated here), or only other media types (photo uploads: not validated here, their
 * handler reads and judges the bytes, as OpenAPIHono leaves them too); a mix is refused when defined.
 */
export type RouteDefinition = Omit<RouteConfig, "middleware" | "hide">;
type Hook = Parameters<OpenAPIHono["openapi"]>[2];
type Init = ConstructorParameters<typeof OpenAPIHono>[0];

const jsonType = /^application\/([a-z-.]+\+)?json/i;
const jsonRequest = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

/** True when the request carries a body of at least one byte (as OpenAPIHono decides it). */
async function hasBody(c: Context) {
  const raw = c.req.raw;
  if (raw.body === null) return false;
  if (raw.bodyUsed) return (await c.req.arrayBuffer()).byteLength > 0;
  return (await raw.clone().arrayBuffer()).byteLength > 0;
}

const refuseOtherMediaTypes: MiddlewareHandler = async (c, next) => {
  const contentType = c.req.header("content-type");
  if (contentType ? !jsonRequest.test(contentType) : await hasBody(c)) {
    throw new HTTPException(415, { message: "Unsupported Media Type" });
  }
  await next();
};

class RuntimeRouter<E extends Env> extends Hono<E> {
  /** Every route defined here or in a router mounted here, with its full OpenAPI path. */
  readonly definitions: RouteDefinition[] = [];
  private readonly defaultHook: Hook;

  constructor(init?: Init) {
    super(init);
    this.defaultHook = init?.defaultHook as Hook;
  }

  openapi = ({ middleware, hide, ...route }: RouteConfig, handler: MiddlewareHandler, hook?: Hook) => {
    if (!hide) this.definitions.push(route);
    const onResult = (hook ?? this.defaultHook) as Parameters<typeof zValidator>[2];
    const validators: MiddlewareHandler[] = [];
    const { query, params, headers, cookies, body } = route.request ?? {};
    if (query) validators.push(zValidator("query", query as ZodType, onResult));
    if (params) validators.push(zValidator("param", params as ZodType, onResult));
    if (headers) validators.push(zValidator("header", headers as ZodType, onResult));
    if (cookies) validators.push(zValidator("cookie", cookies as ZodType, onResult));
    const content = Object.entries(body?.content ?? {});
    const jsonContent = content.filter(([mediaType]) => jsonType.test(mediaType));
    if (jsonContent.length > 0 && jsonContent.length < content.length) {
      throw new Error(`${route.path}: a body is either JSON or of other media types, not both`);
    }
    for (const [, entry] of jsonContent) {
      const validate = zValidator("json", (entry as { schema: ZodType }).schema, onResult);
      validators.push(refuseOtherMediaTypes);
      validators.push(
        body?.required
          ? validate
          : async (c, next) => {
              if (jsonType.test(c.req.header("content-type") ?? "")) return validate(c, next);
              c.req.addValidatedData("json", {});
              await next();
            },
      );
    }
    const routeMiddleware = middleware ? [middleware].flat() : [];
    this.on(
      [route.method],
      [route.path.replaceAll(/\/{(.+?)}/g, "/:$1")],
      ...(routeMiddleware as MiddlewareHandler[]),
      ...validators,
      handler,
    );
    return this;
  };

  // Loosely typed: the public type is OpenAPIHono's (see OpenAPIRouter below).
  override route(path: string, app: any): any {
    super.route(path, app);
    if (app instanceof RuntimeRouter) {
      const prefix = path.replaceAll(/:([^/]+)/g, "{$1}");
      for (const definition of app.definitions as RouteDefinition[]) {
        this.definitions.push({ ...definition, path: mergePath(prefix, definition.path) });
      }
    }
    return this;
  }
}

/**
 * Built as `new OpenAPIRouter<AppEnv>({ defaultHook })` and typed as OpenAPIHono, so `.openapi()`
 * chains, handlers and the typed client (src/client.ts) keep their types. Its `definitions` replace
 * OpenAPIHono's `openAPIRegistry`; the document methods (`doc31`, `getOpenAPI31Document`) do not
 * exist at run time.
 */
export const OpenAPIRouter = RuntimeRouter as unknown as typeof OpenAPIHono;

/** The route definitions a router built with `OpenAPIRouter` holds (for the document generator). */
export const routeDefinitions = (router: object): readonly RouteDefinition[] =>
  router instanceof RuntimeRouter ? router.definitions : [];

/** As `createRoute` of @hono/zod-openapi: the config, plus its Hono routing path. */
export const createRoute: typeof import("@hono/zod-openapi").createRoute = (config) =>
  Object.defineProperty({ ...config }, "getRoutingPath", {
    value: () => config.path.replaceAll(/\/{(.+?)}/g, "/:$1"),
    enumerable: false,
  }) as never;
