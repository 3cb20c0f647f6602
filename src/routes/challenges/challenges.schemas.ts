import * as z from "zod";
import { Instant, Text } from "../../lib/openapi";
import { BadgeFieldsSchema, EarnedBadgeFieldsSchema } from "../badges/badges.schemas";
import { CursorSchema, idParams, LimitSchema, MealTypeSchema, TagSchema } from "../shared.schemas";

const target = (max: number) => z.number().int().min(1).max(max);

/**
 * Challenge rules are data, evaluated by challenge_progress() (src/db/functions/challenge_progress.sql).
 * Adding a rule type: one member here and one WHEN there.
 */
export const RuleSchema = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("log_days"), target: target(366) }),
    z.strictObject({ type: z.literal("streak_days"), target: target(366) }),
    z.strictObject({
      type: z.literal("meal_count"),
      target: target(1000),
      mealType: MealTypeSchema.optional(),
    }),
    z.strictObject({ type: z.literal("tag_count"), target: target(1000), tag: TagSchema }),
    z.strictObject({
      type: z.literal("calorie_cap_days"),
      target: target(366),
      maxCalories: z.number().int().min(0).max(10_000),
    }),
  ])
  .meta({ id: "ChallengeRule" });

const InstantSchema = Instant().meta({ example: "2026-12-01T00:00:00+09:00" });

const challengeFields = {
  title: Text().trim().min(1).max(120),
  description: Text().trim().max(2000),
  rule: RuleSchema,
  startsAt: InstantSchema,
  endsAt: InstantSchema.nullable(),
  durationDays: z.number().int().min(1).max(366).nullable(),
};

export const CreateChallengeSchema = z
  .strictObject({
    ...challengeFields,
    endsAt: challengeFields.endsAt.optional(),
    durationDays: challengeFields.durationDays.optional(),
  })
  .meta({ id: "CreateChallenge" });

export const PatchChallengeSchema = z
  .strictObject(challengeFields)
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, "must change at least one field")
  .meta({ id: "PatchChallenge" });

export const ProgressSchema = z
  .object({
    current: z.number().int().meta({
      description:
        "What counts so far in the participant's window, capped at `target`; a deleted log lowers it.",
    }),
    target: z.number().int(),
    completed: z.boolean(),
    completedAt: z
      .string()
      .nullable()
      .meta({ description: "Set once when `current` first reached `target`; never cleared." }),
  })
  .meta({ id: "ChallengeProgress" });

export const ChallengeSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    description: z.string(),
    rule: RuleSchema,
    startsAt: z.string(),
    endsAt: z.string().nullable(),
    durationDays: z.number().int().nullable(),
    official: z.boolean(),
    createdBy: z.string().nullable(),
    participants: z.number().int(),
    badge: BadgeFieldsSchema.nullable(),
    joined: z.boolean(),
    progress: ProgressSchema.nullable(),
  })
  .meta({ id: "Challenge" });

export const ListChallengesQuerySchema = z.object({
  status: z.enum(["active", "upcoming", "ended"]).optional(),
  joined: z.enum(["true", "false"]).optional(),
  limit: LimitSchema,
  cursor: CursorSchema,
});

export const LeaderboardQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(10),
});

const RankSchema = { rank: z.number().int(), current: z.number().int(), completedAt: z.string().nullable() };

export const LeaderboardSchema = z
  .object({
    items: z.array(z.object({ ...RankSchema, user: z.object({ id: z.string(), displayName: z.string() }) })),
    me: z
      .object(RankSchema)
      .nullable()
      .meta({ description: "The caller's own rank, even outside the top; null if not joined" }),
  })
  .meta({ id: "Leaderboard" });

export const ChallengeIdParamSchema = idParams();

/** What a write caused, as the gamification engine (apply_log_write) reports it. */
export const WriteEventSchema = z
  .union([
    z.object({
      type: z.literal("challenge_progress"),
      challengeId: z.string(),
      current: z.number().int(),
      target: z.number().int(),
      joinedAt: z.string(),
      completedAt: z.string().nullable(),
    }),
    z.object({ type: z.literal("challenge_completed"), challengeId: z.string(), completedAt: z.string() }),
    z.object({ type: z.literal("badge_awarded"), badge: EarnedBadgeFieldsSchema }),
  ])
  .meta({ id: "WriteEvent", description: "Something a log write caused." });

export type Rule = z.infer<typeof RuleSchema>;
export type Progress = z.infer<typeof ProgressSchema>;
export type Challenge = z.infer<typeof ChallengeSchema>;
export type ChallengeStatus = NonNullable<z.infer<typeof ListChallengesQuerySchema>["status"]>;
export type WriteEvent = z.infer<typeof WriteEventSchema>;
