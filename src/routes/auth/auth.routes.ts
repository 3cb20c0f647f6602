import * as z from "zod";
import {
  authenticated,
  createRoute,
  json,
  jsonBody,
  noContent,
  optionallyAuthenticated,
  problem,
  problems,
  publicRoute,
} from "../../lib/openapi";
import { DisplayNameSchema, PasswordSchema, TimeZoneSchema } from "../users/users.schemas";
import { AuthResultSchema, EmailSchema, RefreshTokenBodySchema } from "./auth.schemas";

const tags = ["Auth"];

export const signup = createRoute({
  method: "post",
  path: "/v1/auth/signup",
  operationId: "signup",
  tags,
  security: publicRoute,
  request: {
    body: jsonBody(
      z.strictObject({
        email: EmailSchema,
        password: PasswordSchema,
        displayName: DisplayNameSchema,
        timezone: TimeZoneSchema.optional(),
      }),
    ),
  },
  responses: {
    201: json(AuthResultSchema, "Account created, signed in", "Set-Cookie"),
    ...problems(400, 409, 413, 415, 429, 503),
  },
});

export const login = createRoute({
  method: "post",
  path: "/v1/auth/login",
  operationId: "login",
  tags,
  security: publicRoute,
  request: { body: jsonBody(z.strictObject({ email: EmailSchema, password: z.string().min(1).max(128) })) },
  responses: {
    200: json(AuthResultSchema, "Signed in", "Set-Cookie"),
    ...problems(400, 401, 413, 415, 429, 503),
  },
});

export const refresh = createRoute({
  method: "post",
  path: "/v1/auth/refresh",
  operationId: "refresh",
  tags,
  security: publicRoute,
  request: {
    body: jsonBody(RefreshTokenBodySchema, false),
  },
  responses: {
    200: json(AuthResultSchema, "A new token pair", "Set-Cookie"),
    ...problems(400, 403, 413, 415, 429, 503),
    401: problem(401, "Set-Cookie"),
  },
});

export const logout = createRoute({
  method: "post",
  path: "/v1/auth/logout",
  operationId: "logout",
  tags,
  security: optionallyAuthenticated,
  request: {
    body: jsonBody(RefreshTokenBodySchema, false),
  },
  responses: {
    204: noContent("Signed out; the cookies are cleared", "Set-Cookie"),
    ...problems(400, 401, 403, 413, 415, 429, 503),
  },
});

export const changePassword = createRoute({
  method: "post",
  path: "/v1/auth/password",
  operationId: "changePassword",
  tags,
  security: authenticated,
  request: {
    body: jsonBody(
      z.strictObject({ currentPassword: z.string().min(1).max(128), newPassword: PasswordSchema }),
    ),
  },
  responses: {
    204: noContent("Password changed"),
    ...problems(400, 401, 403, 413, 415, 429, 503),
  },
});
