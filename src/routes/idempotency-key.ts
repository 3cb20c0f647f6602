import type { Context } from "hono";
import * as z from "zod";
import { ApiError } from "../lib/errors";

/** The `Idempotency-Key` request header of the writes that create things (API.md). */
export const IdempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces")
  .optional();

/**
 * The header as the document declares it. Documented on the route, validated by the handler: as a
 * request schema it would make the typed client demand a `header` argument on every call.
 */
export const idempotencyKeyParameter = {
  name: "Idempotency-Key",
  in: "header" as const,
  required: false,
  schema: { type: "string" as const, minLength: 1, maxLength: 255, pattern: "^[\\x21-\\x7e]+$" },
  description:
    "Makes retries safe: the same key and body within 24 h answer the first response again (with `Idempotent-Replayed: true`) and create nothing; the same key with another body is 409. Keys are per user.",
  example: "2f6c1d0e-meal-2026-11-20",
};

/** The request's `Idempotency-Key`, or 400 naming it. */
export function idempotencyKeyOf(c: Context) {
  const parsed = IdempotencyKeySchema.safeParse(c.req.header("idempotency-key"));
  if (parsed.success) return parsed.data;
  throw new ApiError("INVALID_INPUT", {
    detail: "The Idempotency-Key header is invalid.",
    errors: parsed.error.issues.map((issue) => ({ path: "Idempotency-Key", message: issue.message })),
  });
}
