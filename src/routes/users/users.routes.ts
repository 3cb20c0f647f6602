import * as z from "zod";
import {
  authenticated,
  createRoute,
  json,
  jsonBody,
  noContent,
  problems,
  publicRoute,
} from "../../lib/openapi";
import { EarnedBadgeSchema } from "../badges/badges.schemas";
import { idParams } from "../shared.schemas";
import {
  AccountExportSchema,
  DeleteMeSchema,
  ProfilePatchSchema,
  PublicProfileSchema,
  StatsSchema,
  UserSchema,
} from "./users.schemas";

const tags = ["Users"];

export const getMe = createRoute({
  method: "get",
  path: "/v1/users/me",
  operationId: "getMe",
  tags,
  security: authenticated,
  responses: { 200: json(UserSchema, "The user"), ...problems(401, 503) },
});

export const patchMe = createRoute({
  method: "patch",
  path: "/v1/users/me",
  operationId: "updateMe",
  tags,
  security: authenticated,
  request: { body: jsonBody(ProfilePatchSchema) },
  responses: {
    200: json(UserSchema, "The changed user"),
    ...problems(400, 401, 403, 413, 415, 429, 503),
  },
});

export const deleteMe = createRoute({
  method: "delete",
  path: "/v1/users/me",
  operationId: "deleteMe",
  tags,
  security: authenticated,
  request: {
    body: jsonBody(DeleteMeSchema),
  },
  responses: {
    204: noContent("Deleted", "Set-Cookie"),
    ...problems(400, 401, 403, 413, 415, 503),
  },
});

export const exportMe = createRoute({
  method: "get",
  path: "/v1/users/me/export",
  operationId: "exportMe",
  tags,
  security: authenticated,
  responses: {
    200: json(AccountExportSchema, "The export", "Content-Disposition"),
    ...problems(401, 503),
  },
});

export const getStats = createRoute({
  method: "get",
  path: "/v1/users/me/stats",
  operationId: "getMyStats",
  tags,
  security: authenticated,
  responses: { 200: json(StatsSchema, "The stats"), ...problems(401, 503) },
});

export const getMyBadges = createRoute({
  method: "get",
  path: "/v1/users/me/badges",
  operationId: "getMyBadges",
  tags,
  security: authenticated,
  responses: {
    200: json(z.object({ items: z.array(EarnedBadgeSchema) }), "Earned badges"),
    ...problems(401, 503),
  },
});

export const getPublicProfile = createRoute({
  method: "get",
  path: "/v1/users/{id}",
  operationId: "getPublicProfile",
  tags,
  security: publicRoute,
  request: {
    params: idParams(),
  },
  responses: { 200: json(PublicProfileSchema, "The profile"), ...problems(400, 404, 503) },
});
