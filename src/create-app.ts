import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { except } from "hono/combine";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { ConfigError } from "./config";
import {
  isDatabaseUnavailable,
  isSessionEnded,
  isTransactionConflict,
  LOG_ITEMS_SQLSTATE,
  sqlState,
  WRITE_QUOTA_SQLSTATE,
} from "./db/errors";
import {
  ApiError,
  type ErrorCode,
  errorStatus,
  RETRY_AFTER_SECONDS,
  sessionEnded,
  toProblem,
} from "./lib/errors";
import { createLogger } from "./lib/logger";
import { accessLog } from "./middleware/access-log";
import { corsAllowlist } from "./middleware/cors";
import { jsonBody } from "./middleware/json-body";
import { services } from "./middleware/services";
import { createRouter } from "./routes/create-router";
import { invalidLogItems } from "./services/log-items";
import type { AppEnv } from "./types";

const codeForStatus = (status: number): ErrorCode =>
  (Object.keys(errorStatus) as ErrorCode[]).find(
    (code) => errorStatus[code] === status && code !== "INVALID_INPUT",
  ) ?? (status >= 500 ? "INTERNAL" : "MALFORMED_REQUEST");

function toApiError(err: unknown, c: Context<AppEnv>): ApiError {
  const logger = c.var.logger ?? createLogger({ fields: { requestId: c.var.requestId } });
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException && err.status < 500) {
    return new ApiError(codeForStatus(err.status), { detail: err.message || undefined });
  }
  if (isSessionEnded(err)) return sessionEnded();
  if (sqlState(err) === WRITE_QUOTA_SQLSTATE) {
    const resetSeconds = Math.max(1, Number((err as { detail?: string }).detail ?? 60) || 60);
    return new ApiError("RATE_LIMITED", {
      detail: `Too many writes. Try again in ${resetSeconds} s.`,
      headers: {
        "Retry-After": String(resetSeconds),
        "RateLimit-Limit": String(c.var.config.rateLimits.writesPerUser),
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": String(resetSeconds),
      },
    });
  }
  // A log's items named a food the caller may not see, or added up to more than a log holds.
  if (sqlState(err) === LOG_ITEMS_SQLSTATE) return invalidLogItems(err);
  if (isTransactionConflict(err)) {
    logger.warn("transaction conflict", { route: c.req.routePath, sqlState: sqlState(err) });
    return new ApiError("SERVICE_UNAVAILABLE", {
      detail: "The request conflicted with a concurrent one and was not applied. Please retry.",
      headers: { "Retry-After": "1" },
    });
  }
  if (isDatabaseUnavailable(err)) {
    logger.warn("database unavailable", { route: c.req.routePath, err });
    return new ApiError("SERVICE_UNAVAILABLE", {
      detail: "The database is unreachable right now. Please retry shortly.",
      headers: { "Retry-After": String(RETRY_AFTER_SECONDS) },
    });
  }
  const message = err instanceof ConfigError ? "invalid configuration" : "unhandled error";
  logger.error(message, { route: c.req.routePath, method: c.req.method, err });
  return new ApiError("INTERNAL", {
    detail: "Something went wrong on our side. It has been logged under this request id.",
  });
}

/** Answers every error as RFC 9457 problem+json; 5xx bodies never carry internals. */
export function onError(err: unknown, c: Context<AppEnv>) {
  const error = toApiError(err, c);
  const problem = toProblem(error, { instance: c.req.path, requestId: c.var.requestId });
  // Through the context, so headers set earlier (X-Request-Id) stay on the response.
  return c.newResponse(JSON.stringify(problem), error.status, {
    ...error.headers,
    "Content-Type": "application/problem+json",
  });
}

const pathPatterns = new Map<string, RegExp>();

/** A Hono route path (`/v1/logs/:id`, `/docs/*`) as a regular expression over request paths. */
function patternOf(routePath: string) {
  let pattern = pathPatterns.get(routePath);
  if (!pattern) {
    const source = routePath
      .split("/")
      .map((part) =>
        part === "*" ? ".*" : part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
      )
      .join("/");
    pattern = new RegExp(`^${source}/?$`);
    pathPatterns.set(routePath, pattern);
  }
  return pattern;
}

/** The methods some route answers on `path` (HEAD wherever GET is): RFC 9110's `Allow`. */
function allowedMethods(app: OpenAPIHono<AppEnv>, path: string) {
  const methods = new Set<string>();
  for (const route of app.routes) {
    if (route.method !== "ALL" && patternOf(route.path).test(path)) methods.add(route.method);
  }
  if (methods.has("GET")) methods.add("HEAD");
  return [...methods].sort();
}

/** 405 with `Allow` for a known path asked with a method it does not have (RFC 9110 §15.5.6); else 404. */
function noRoute(app: OpenAPIHono<AppEnv>, c: Context<AppEnv>) {
  const allowed = allowedMethods(app, c.req.path);
  if (allowed.length === 0 || allowed.includes(c.req.method)) {
    return onError(new ApiError("NOT_FOUND", { detail: `No route for ${c.req.method} ${c.req.path}.` }), c);
  }
  const allow = allowed.join(", ");
  return onError(
    new ApiError("METHOD_NOT_ALLOWED", {
      detail: `${c.req.path} answers ${allow}, not ${c.req.method}.`,
      headers: { Allow: allow },
    }),
    c,
  );
}

const isPhotoUpload = (c: Context<AppEnv>) =>
  c.req.method === "PUT" && /^\/v1\/logs\/[^/]+\/photo$/.test(c.req.path);

/**
 * The app with its cross-cutting middleware, in order: request id, security headers, per-request
 * services, access log, CORS, JSON body guards; plus the not-found and error handlers.
 */
export function createApp() {
  const app = createRouter();
  app.use(requestId());
  app.use(secureHeaders());
  app.use(services());
  app.use(accessLog());
  app.use(corsAllowlist());
  // Photo uploads carry image bytes up to 5 MiB, read and checked by their own handler.
  app.use(except(isPhotoUpload, jsonBody()));
  app.notFound((c) => noRoute(app, c));
  app.onError(onError);
  return app;
}

export type App = ReturnType<typeof createApp>;
