import * as z from "zod";
import { EarnedBadgeSchema } from "../badges/badges.schemas";
import { LogSchema } from "../logs/logs.schemas";

// The C0 and C1 controls (Unicode's Cc), spelled without the `u` flag: the document carries the
// pattern's source alone, which JSON Schema reads as an ECMA-262 pattern with `u`.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const noControlCharacters = /^[^\x00-\x1f\x7f-\x9f]*$/;

export const DisplayNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(50)
  .regex(noControlCharacters, "must not contain control characters")
  .meta({ example: "김식단" });

export const TimeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .meta({ description: "IANA time zone", example: "Asia/Seoul" });

export const DayStartHourSchema = z.number().int().min(0).max(6).meta({
  description: "Hour (0..6) at which the user's day starts: with 4, a 02:00 snack counts for the day before.",
});

const goal = (max: number) => z.number().int().min(0).max(max).nullable();

export const GoalsSchema = z
  .object({
    calories: goal(20_000),
    proteinG: goal(2_000),
    carbsG: goal(2_000),
    fatG: goal(2_000),
  })
  .meta({ id: "Goals", description: "Daily targets; each may be null (no goal)." });

export const UserSchema = z
  .object({
    id: z.string().meta({ example: "0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b" }),
    email: z.string().meta({ example: "kim@example.com" }),
    displayName: z.string(),
    timezone: z.string(),
    dayStartHour: z.number().int(),
    goals: GoalsSchema,
    createdAt: z.string().meta({ format: "date-time" }),
  })
  .meta({ id: "User" });

export const PasswordSchema = z
  .string()
  .min(8)
  .max(128)
  .refine((value) => value.trim().length > 0, "must not be only whitespace");

export const ProfilePatchSchema = z
  .strictObject({
    displayName: DisplayNameSchema.optional(),
    timezone: TimeZoneSchema.optional(),
    dayStartHour: DayStartHourSchema.optional(),
    goals: GoalsSchema.partial().strict().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, "must change at least one field")
  .meta({ id: "ProfilePatch" });

export const DeleteMeSchema = z.strictObject({ password: z.string().min(1).max(128) });

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

export const PublicProfileSchema = z
  .object({
    id: z.string(),
    displayName: z.string(),
    badges: z.array(EarnedBadgeSchema),
    stats: z.object({ currentStreak: z.number().int(), longestStreak: z.number().int() }),
  })
  .meta({ id: "PublicProfile", description: "What anyone may see of a user: never the email." });

export type User = z.infer<typeof UserSchema>;
export type ProfilePatch = z.infer<typeof ProfilePatchSchema>;
export type Stats = z.infer<typeof StatsSchema>;
export type PublicProfile = z.infer<typeof PublicProfileSchema>;
