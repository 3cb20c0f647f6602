import type * as z from "zod";

/** Machine-readable error codes and the HTTP status each one maps to: the one place they meet. */
export const errorStatus = {
  INVALID_INPUT: 400,
  MALFORMED_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  /** A bug, logged. Includes Neon's 413/507 (a request or answer over 10 MiB): retrying cannot help. */
  INTERNAL: 500,
  /** A dependency failing, with Retry-After: see `isDatabaseUnavailable` (src/db/errors.ts) for Neon's. */
  SERVICE_UNAVAILABLE: 503,
} as const;

/** Seconds a client should wait before retrying when a dependency is down. */
export const RETRY_AFTER_SECONDS = 5;

export type ErrorCode = keyof typeof errorStatus;
export type ErrorStatus = (typeof errorStatus)[ErrorCode];

const titles: Record<ErrorCode, string> = {
  INVALID_INPUT: "Invalid input",
  MALFORMED_REQUEST: "Malformed request",
  UNAUTHENTICATED: "Not authenticated",
  FORBIDDEN: "Forbidden",
  NOT_FOUND: "Not found",
  METHOD_NOT_ALLOWED: "Method not allowed",
  CONFLICT: "Conflict",
  PAYLOAD_TOO_LARGE: "Payload too large",
  UNSUPPORTED_MEDIA_TYPE: "Unsupported media type",
  RATE_LIMITED: "Too many requests",
  INTERNAL: "Internal server error",
  SERVICE_UNAVAILABLE: "Service unavailable",
};

export type FieldError = { path: string; message: string };

type ApiErrorOptions = {
  detail?: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
  /** Extra members of the problem object (RFC 9457 extensions). */
  extensions?: Record<string, unknown>;
  cause?: unknown;
};

/**
 * The one error type handlers and services throw; the app's error handler turns it into
 * `application/problem+json`.
 *
 * @example
 * throw new ApiError("NOT_FOUND", { detail: "No meal log with that id." });
 */
export class ApiError extends Error {
  override name = "ApiError";
  readonly code: ErrorCode;
  readonly status: ErrorStatus;
  readonly detail: string;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;

  constructor(code: ErrorCode, options: ApiErrorOptions = {}) {
    super(options.detail ?? titles[code], { cause: options.cause });
    this.code = code;
    this.status = errorStatus[code];
    this.detail = options.detail ?? titles[code];
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }

  static fromZod(error: z.ZodError): ApiError {
    const pathOf = (path: PropertyKey[]) => path.map(String).join(".") || "(root)";
    // An unknown-keys issue sits on the parent object; name each unknown field instead.
    const errors = error.issues.flatMap((issue) =>
      issue.code === "unrecognized_keys"
        ? issue.keys.map((key) => ({
            path: pathOf([...issue.path, key]),
            message: `Unrecognized key: "${key}"`,
          }))
        : [{ path: pathOf(issue.path), message: issue.message }],
    );
    return ApiError.invalid(errors);
  }

  /** 400 INVALID_INPUT naming each invalid field, as request validation answers. */
  static invalid(errors: FieldError[]): ApiError {
    return new ApiError("INVALID_INPUT", {
      detail: `The request has ${errors.length} invalid field${errors.length === 1 ? "" : "s"}.`,
      errors,
    });
  }
}

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
};

/** `type` URI of a problem: stable, one per code, documented in the OpenAPI description. */
const problemType = (code: ErrorCode) =>
  `https://sikdan.app/problems/${code.toLowerCase().replaceAll("_", "-")}`;

export function toProblem(error: ApiError, context: { instance: string; requestId: string }): Problem {
  return {
    ...error.extensions,
    type: problemType(error.code),
    title: titles[error.code],
    status: error.status,
    detail: error.detail,
    code: error.code,
    instance: context.instance,
    requestId: context.requestId,
    ...(error.errors ? { errors: error.errors } : {}),
  };
}

/** 401 for a valid token whose session has ended (logout, password change, reuse, deletion). */
export const sessionEnded = () =>
  new ApiError("UNAUTHENTICATED", {
    detail: "This session has ended. Please sign in again.",
    headers: { "WWW-Authenticate": 'Bearer realm="sikdan", error="invalid_token"' },
  });
