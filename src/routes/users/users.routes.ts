import { createRoute, z } from "@hono/zod-openapi";
import { authenticated, json, problems } from "../../lib/openapi";
import {
  DayStartHourSchema,
  DisplayNameSchema,
  GoalsSchema,
  TimeZoneSchema,
  UserSchema,
} from "./users.schemas";

const tags = ["Users"];

export const getMe = createRoute({
  method: "get",
  path: "/v1/users/me",
  tags,
  summary: "The signed-in user",
  security: authenticated,
  responses: { 200: json(UserSchema, "The user"), ...problems(401, 503) },
});

export const ProfilePatchSchema = z
  .strictObject({
    displayName: DisplayNameSchema.optional(),
    timezone: TimeZoneSchema.optional(),
    dayStartHour: DayStartHourSchema.optional(),
    goals: GoalsSchema.partial().strict().optional(),
  })
  .meta({ id: "ProfilePatch" });

export const patchMe = createRoute({
  method: "patch",
  path: "/v1/users/me",
  tags,
  summary: "Change the profile",
  description: "An unknown time zone is 400. Existing logs keep the day they were counted on.",
  security: authenticated,
  request: { body: { required: true, content: { "application/json": { schema: ProfilePatchSchema } } } },
  responses: { 200: json(UserSchema, "The changed user"), ...problems(400, 401, 403, 413, 415, 503) },
});

export const deleteMe = createRoute({
  method: "delete",
  path: "/v1/users/me",
  tags,
  summary: "Delete the account and everything it owns",
  description: "Needs the password. All sessions end.",
  security: authenticated,
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: z.strictObject({ password: z.string().min(1).max(128) }) } },
    },
  },
  responses: { 204: { description: "Deleted" }, ...problems(400, 401, 403, 413, 415, 503) },
});

export const AccountExportSchema = z
  .object({
    exportedAt: z.string(),
    profile: UserSchema,
    sessions: z.array(
      z.object({
        id: z.string(),
        createdAt: z.string(),
        expiresAt: z.string(),
        revokedAt: z.string().nullable(),
        current: z.boolean(),
      }),
    ),
  })
  .meta({
    id: "AccountExport",
    description: "Everything stored about the user (no password hash, no token hashes).",
  });

export const exportMe = createRoute({
  method: "get",
  path: "/v1/users/me/export",
  tags,
  summary: "Export everything stored about the user",
  security: authenticated,
  responses: { 200: json(AccountExportSchema, "The export"), ...problems(401, 503) },
});
