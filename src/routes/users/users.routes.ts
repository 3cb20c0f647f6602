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
import { LogSchema } from "../logs/logs.schemas";
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
  operationId: "getMe",
  tags,
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
  .refine((patch) => Object.keys(patch).length > 0, "must change at least one field")
  .meta({ id: "ProfilePatch" });

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
    body: jsonBody(z.strictObject({ password: z.string().min(1).max(128) })),
  },
  responses: {
    204: noContent("Deleted", "Set-Cookie"),
    ...problems(400, 401, 403, 413, 415, 503),
  },
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
    logs: z.array(LogSchema),
    challengesJoined: z.array(
      z.object({
        challengeId: z.string(),
        title: z.string(),
        joinedAt: z.string(),
        windowStart: z.string(),
        windowEnd: z.string().nullable(),
        current: z.number().int(),
        completedAt: z.string().nullable(),
        finalRank: z.number().int().nullable(),
      }),
    ),
    challengesCreated: z.array(z.object({ id: z.string(), title: z.string(), createdAt: z.string() })),
    badges: z.array(z.object({ code: z.string(), earnedAt: z.string() })),
  })
  .meta({
    id: "AccountExport",
    description: "Everything stored about the user (no password hash, no token hashes).",
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

export const StatsSchema = z
  .object({
    currentStreak: z
      .number()
      .int()
      .meta({ description: "Days in a row with a log, alive until a day without one has passed" }),
    longestStreak: z.number().int(),
    totalLogs: z.number().int(),
    daysLogged: z.number().int(),
    badgesEarned: z.number().int(),
  })
  .meta({ id: "Stats" });

export const EarnedBadgeSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    description: z.string(),
    icon: z.string(),
    earnedAt: z.string(),
  })
  .meta({ id: "EarnedBadge" });

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

export const PublicProfileSchema = z
  .object({
    id: z.string(),
    displayName: z.string(),
    badges: z.array(EarnedBadgeSchema),
    stats: z.object({ currentStreak: z.number().int(), longestStreak: z.number().int() }),
  })
  .meta({ id: "PublicProfile", description: "What anyone may see of a user: never the email." });

export const getPublicProfile = createRoute({
  method: "get",
  path: "/v1/users/{id}",
  operationId: "getPublicProfile",
  tags,
  security: publicRoute,
  request: {
    params: z.object({
      id: z
        .string()
        .max(100)
        .meta({ param: { name: "id", in: "path" } }),
    }),
  },
  responses: { 200: json(PublicProfileSchema, "The profile"), ...problems(400, 404, 503) },
});
