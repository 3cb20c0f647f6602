import * as z from "zod";
import { type ErrorCode, errorStatus } from "./errors";

// What route files build with (src/lib/openapi-router.ts).
export { createRoute } from "./openapi-router";

export const ProblemSchema = z
  .object({
    type: z.string().meta({ example: "https://sikdan.app/problems/invalid-input" }),
    title: z.string().meta({ example: "Invalid input" }),
    status: z.number().int().meta({ example: 400 }),
    detail: z.string(),
    code: z.enum(Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]]),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details." });

const problemDescriptions: Record<number, string> = {
  400: "Malformed or invalid input (`errors` lists each invalid field).",
  401: "Not authenticated.",
  403: "Authenticated but not allowed.",
  404: "Not found, or not yours.",
  409: "Conflict with the current state.",
  413: "Body larger than 64 KiB.",
  415: "Body is not JSON.",
  429: "Rate limited; see `Retry-After` and `RateLimit-*`.",
  503: "A dependency is down; see `Retry-After`.",
};

// The headers' descriptions are read by the document generator only (src/lib/openapi-headers.ts),
// so they stay out of the Worker's bundle; routes name them.
type HeaderName = keyof typeof import("./openapi-headers").responseHeaders;

/** References to the named headers, always with `X-Request-Id` (every response carries it). */
export const headers = (...names: HeaderName[]) =>
  Object.fromEntries(
    ["X-Request-Id", ...names].map((name) => [name, { $ref: `#/components/headers/${name}` }]),
  ) as Record<string, { $ref: string }>;

const headersOfProblem: Record<number, HeaderName[]> = {
  401: ["WWW-Authenticate"],
  429: ["Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"],
  503: ["Retry-After"],
};

/** One problem response, with the headers its status carries and any `extra` ones. */
export const problem = (status: keyof typeof problemDescriptions, ...extra: HeaderName[]) => ({
  description: problemDescriptions[status] ?? "Error",
  headers: headers(...(headersOfProblem[status] ?? []), ...extra),
  content: { "application/problem+json": { schema: ProblemSchema } },
});

/**
 * The `responses` entries for the problem statuses a route can answer.
 *
 * @example
 * responses: { 200: json(UserSchema, "The user"), ...problems(400, 401, 404) }
 */
export function problems<S extends keyof typeof problemDescriptions>(...statuses: S[]) {
  return Object.fromEntries(statuses.map((status) => [status, problem(status)])) as Record<
    S,
    ReturnType<typeof problem>
  >;
}

/** A JSON request body (`required: false` for a body that may be left out). */
export const jsonBody = <T extends z.ZodType>(schema: T, required = true) => ({
  required,
  content: { "application/json": { schema } },
});

/** A JSON response, with `X-Request-Id` and the named headers. */
export const json = <T extends z.ZodType>(schema: T, description: string, ...names: HeaderName[]) => ({
  description,
  headers: headers(...names),
  content: { "application/json": { schema } },
});

/** A 204 response, with `X-Request-Id` and the named headers. */
export const noContent = (description: string, ...names: HeaderName[]) => ({
  description,
  headers: headers(...names),
});

/** An operation's summary and description: kept by the document generator only (`<area>.prose.ts`). */
export type OperationProse = { summary: string; description: string };

/** `security` of a route that answers anyone. */
export const publicRoute: Record<string, string[]>[] = [];

/** `security` of a route that needs a signed-in caller: a Bearer token or the `access_token` cookie. */
export const authenticated: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }];

/** `security` of a route that answers anyone and says more to a signed-in caller. */
export const optionallyAuthenticated: Record<string, string[]>[] = [{}, ...authenticated];

/** Text PostgreSQL can store: any string without NUL (which `text` refuses). */
export const Text = () =>
  z.string().refine((value) => !value.includes("\u0000"), "must not contain NUL characters");

const YEAR_MIN = 2000;
const YEAR_MAX = 2999;
const inYears = (iso: string) => {
  const year = Number(iso.slice(0, 4));
  return year >= YEAR_MIN && year <= YEAR_MAX;
};

/** A calendar day `YYYY-MM-DD` in the years the API deals with (2000..2999). */
export const Day = () => z.iso.date().refine(inYears, `must be a day between ${YEAR_MIN} and ${YEAR_MAX}`);

/** An ISO 8601 instant with offset whose UTC time falls in 2000..2999. */
export const Instant = () =>
  z.iso.datetime({ offset: true }).refine((value) => {
    // Refinements run even when the format check failed: never assume a parsable value here.
    const time = Date.parse(value);
    return Number.isFinite(time) && inYears(new Date(time).toISOString());
  }, `must fall between ${YEAR_MIN} and ${YEAR_MAX}`);
