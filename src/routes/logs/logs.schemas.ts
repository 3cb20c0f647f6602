import * as z from "zod";
import { Instant, Text } from "../../lib/openapi";
import { WriteEventSchema } from "../challenges/challenges.schemas";
import { CursorSchema, DaySchema, LimitSchema, MealTypeSchema, TagSchema } from "../shared.schemas";

const DAY_MS = 86_400_000;

const EatenAtSchema = Instant()
  .refine((value) => Date.parse(value) <= Date.now() + DAY_MS, "must not be more than 1 day in the future")
  .meta({
    description: "When the meal was eaten, ISO 8601 with offset",
    example: "2026-11-26T08:30:00+09:00",
  });

const grams = z
  .number()
  .min(0)
  .max(1000)
  .nullable()
  .meta({ description: "Grams, kept to 2 decimals (rounded)" });

export const LogItemInputSchema = z
  .strictObject({
    foodId: z.uuid({ error: "must be a food id" }).meta({ example: "0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b" }),
    grams: z.number().min(0.1).max(5000).meta({ description: "Grams eaten, kept to 2 decimals (rounded)" }),
  })
  .meta({ id: "LogItemInput" });

const items = z.array(LogItemInputSchema).max(30);

// The rules (rounding, refusals, PATCH transitions) are in the operations' prose (logs.prose.ts),
// which stays out of the Worker's bundle.
const ITEMS_DESCRIPTION = "Foods eaten: the server computes calories, proteinG, carbsG and fatG from them";

const NUMBER_FIELDS = ["calories", "proteinG", "carbsG", "fatG"] as const;

/** Items and typed-in numbers exclude each other: with items, the server computes the numbers. */
const numbersWithItems = (
  body: { items?: unknown[] } & Partial<Record<(typeof NUMBER_FIELDS)[number], unknown>>,
  ctx: z.core.$RefinementCtx,
) => {
  if (!body.items?.length) return;
  for (const name of NUMBER_FIELDS) {
    if (body[name] !== undefined)
      ctx.addIssue({
        code: "custom",
        path: [name],
        message: "must not be sent with items: it is computed from them",
      });
  }
};

const logFields = {
  mealType: MealTypeSchema,
  eatenAt: EatenAtSchema,
  title: Text().trim().min(1).max(200),
  note: Text().max(2000).nullable(),
  photoUrl: z
    .url({ protocol: /^https$/, error: "must be an https URL" })
    .max(2048)
    .nullable(),
  calories: z.number().int().min(0).max(10_000).nullable(),
  proteinG: grams,
  carbsG: grams,
  fatG: grams,
  tags: z
    .array(TagSchema)
    .max(10)
    .refine((tags) => new Set(tags).size === tags.length, "must not repeat a tag"),
};

export const CreateLogSchema = z
  .strictObject({
    ...logFields,
    note: logFields.note.optional(),
    photoUrl: logFields.photoUrl.optional(),
    calories: logFields.calories.optional(),
    proteinG: grams.optional(),
    carbsG: grams.optional(),
    fatG: grams.optional(),
    tags: logFields.tags.optional(),
    items: items.min(1).optional().meta({ description: ITEMS_DESCRIPTION }),
  })
  .superRefine(numbersWithItems)
  .meta({ id: "CreateLog" });

export const PatchLogSchema = z
  .strictObject({
    ...logFields,
    items: items.meta({
      description: `${ITEMS_DESCRIPTION}; [] drops them`,
    }),
  })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, "must change at least one field")
  .superRefine(numbersWithItems)
  .meta({ id: "PatchLog" });

const LogItemSchema = z
  .object({
    foodId: z.string(),
    name: z.string(),
    grams: z.number(),
    calories: z.number(),
    proteinG: z.number(),
    carbsG: z.number(),
    fatG: z.number(),
  })
  .meta({
    id: "LogItem",
    description: "A snapshot of a food, as it was when logged",
  });

export const LogSchema = z
  .object({
    id: z.string(),
    mealType: MealTypeSchema,
    eatenAt: z.string().meta({ format: "date-time" }),
    localDate: z
      .string()
      .meta({ format: "date", description: "The user's day this meal counted for, fixed at write time" }),
    title: z.string(),
    note: z.string().nullable(),
    photoUrl: z.string().nullable(),
    calories: z.number().int().nullable(),
    proteinG: z.number().nullable(),
    carbsG: z.number().nullable(),
    fatG: z.number().nullable(),
    tags: z.array(z.string()),
    items: z.array(LogItemSchema).meta({
      description: "[] for typed-in numbers",
    }),
    createdAt: z.string().meta({ format: "date-time" }),
    updatedAt: z.string().meta({ format: "date-time" }),
  })
  .meta({ id: "Log" });

export const LogWriteSchema = z
  .object({ log: LogSchema, events: z.array(WriteEventSchema) })
  .meta({ id: "LogWrite" });

export const ListLogsQuerySchema = z.object({
  from: DaySchema.optional(),
  to: DaySchema.optional(),
  mealType: MealTypeSchema.optional(),
  tag: TagSchema.optional(),
  limit: LimitSchema,
  cursor: CursorSchema,
});

export const SummaryQuerySchema = z.object({ from: DaySchema, to: DaySchema });

const DaySummarySchema = z.object({
  date: z.string(),
  meals: z.number().int(),
  calories: z.number(),
  proteinG: z.number(),
  carbsG: z.number(),
  fatG: z.number(),
  goalCalories: z.number().int().nullable(),
  metGoal: z.boolean().nullable().meta({
    description:
      "Something was logged and calories stayed at or under the goal; null when there is no calorie goal.",
  }),
});

export const SummarySchema = z
  .object({
    timezone: z.string(),
    days: z.array(DaySummarySchema),
    totals: z.object({
      meals: z.number().int(),
      calories: z.number(),
      proteinG: z.number(),
      carbsG: z.number(),
      fatG: z.number(),
    }),
  })
  .meta({ id: "Summary" });

export type Log = z.infer<typeof LogSchema>;
export type Summary = z.infer<typeof SummarySchema>;
export type DaySummary = Summary["days"][number];

export type LogItemInput = z.infer<typeof LogItemInputSchema>;
