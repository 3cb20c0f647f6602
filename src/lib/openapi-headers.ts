/**
 * The response headers, declared once under `components.headers` and referenced by each response
 * (`headers()` in src/lib/openapi.ts). Read by the document generator only (src/routes/docs/generate.ts),
 * never by the Worker: the descriptions are not in its bundle.
 */
const integerHeader = (description: string) => ({
  description,
  schema: { type: "integer" as const, minimum: 0 },
});
const textHeader = (description: string, example: string) => ({
  description,
  schema: { type: "string" as const },
  example,
});

export const responseHeaders = {
  "X-Request-Id": textHeader(
    "The request's id (a valid incoming `X-Request-Id` is echoed); quote it when reporting a problem.",
    "0b9d4f3c-2f1e-4c44-9a59-0d6f7b2f9c11",
  ),
  "Retry-After": integerHeader("Seconds to wait before retrying."),
  "RateLimit-Limit": integerHeader("Requests allowed in the limit's window."),
  "RateLimit-Remaining": integerHeader("Requests left in the window."),
  "RateLimit-Reset": integerHeader("Seconds until the window frees a request."),
  "WWW-Authenticate": textHeader(
    "The Bearer challenge of a refused access token.",
    'Bearer realm="sikdan", error="invalid_token"',
  ),
  "Set-Cookie": textHeader(
    "The HttpOnly `access_token` (path /) and `refresh_token` (path /v1/auth) cookies: set when signing in or refreshing, cleared (Max-Age=0) when signing out or when a refresh token is refused.",
    "access_token=eyJhbGciOiJIUzI1NiJ9...; Max-Age=900; Path=/; HttpOnly; Secure; SameSite=Lax",
  ),
  "Idempotent-Replayed": {
    description:
      "`true` when this is the stored answer to an earlier request with the same `Idempotency-Key`.",
    schema: { type: "string" as const, enum: ["true"] },
  },
  "Content-Disposition": textHeader(
    "Offers the export as a file download.",
    'attachment; filename="sikdan-export.json"',
  ),
  Location: textHeader(
    "Where the resource is: for a meal photo, a signed URL valid for at least an hour.",
    "https://api.sikdan.app/v1/photos/0193…_0193…_0193….jpg?exp=1795680000&sig=kQ2…",
  ),
  "Cache-Control": textHeader(
    "How long the browser may keep the photo: until its signed URL expires, never in shared caches.",
    "private, max-age=5400",
  ),
  ETag: textHeader("The stored object's version, for `If-None-Match`.", '"5d41402abc4b2a76b9719d911017c592"'),
};
