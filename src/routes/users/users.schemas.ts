import * as z from "zod";

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
