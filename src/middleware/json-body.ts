import { bodyLimit } from "hono/body-limit";
import { every } from "hono/combine";
import { createMiddleware } from "hono/factory";
import { ApiError } from "../lib/errors";

const MAX_BODY_BYTES = 64 * 1024;

const jsonMediaType = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

const hasBody = (headers: Headers) =>
  headers.has("transfer-encoding") || Number(headers.get("content-length") ?? "0") > 0;

/**
 * Refuses request bodies that are not JSON (415) or larger than `maxBytes` (413), before any
 * handler reads them. Requests without a body pass.
 *
 * @example
 * app.use(jsonBody({ maxBytes: 64 * 1024 }));
 */
export const jsonBody = ({ maxBytes = MAX_BODY_BYTES }: { maxBytes?: number } = {}) =>
  every(
    bodyLimit({
      maxSize: maxBytes,
      onError: () => {
        throw new ApiError("PAYLOAD_TOO_LARGE", {
          detail: `Request bodies are limited to ${maxBytes} bytes.`,
        });
      },
    }),
    createMiddleware(async (c, next) => {
      const type = c.req.header("content-type") ?? "";
      if (hasBody(c.req.raw.headers) && !jsonMediaType.test(type)) {
        throw new ApiError("UNSUPPORTED_MEDIA_TYPE", {
          detail: "Request bodies must be JSON (Content-Type: application/json).",
        });
      }
      await next();
    }),
  );
