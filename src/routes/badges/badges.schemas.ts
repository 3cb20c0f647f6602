import * as z from "zod";

/** What every badge shows (a challenge's reward carries just this). */
export const BadgeFieldsSchema = z.object({
  code: z.string(),
  name: z.string(),
  description: z.string(),
  icon: z.string(),
});

/** A badge someone has: inline where it is part of another shape (a write's `badge_awarded` event). */
export const EarnedBadgeFieldsSchema = BadgeFieldsSchema.extend({ earnedAt: z.string() });

export const EarnedBadgeSchema = EarnedBadgeFieldsSchema.meta({ id: "EarnedBadge" });

/** A badge of the catalog, with the caller's own `earned` / `earnedAt`. */
export const BadgeSchema = BadgeFieldsSchema.extend({
  earned: z.boolean(),
  earnedAt: z.string().nullable(),
}).meta({ id: "Badge" });

export type BadgeFields = z.infer<typeof BadgeFieldsSchema>;
export type EarnedBadge = z.infer<typeof EarnedBadgeSchema>;
