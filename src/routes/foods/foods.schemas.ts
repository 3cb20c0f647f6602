import * as z from "zod";
import { FOOD_SOURCES } from "../../db/schema";
import { barcodeProblem } from "../../lib/barcode";
import { Text } from "../../lib/openapi";
import { CursorSchema, LimitSchema } from "../shared.schemas";

const per100gFields = {
  calories: z.number().min(0).max(1000).meta({ description: "kcal per 100 g" }),
  proteinG: z.number().min(0).max(100).meta({ description: "Grams of protein per 100 g" }),
  carbsG: z.number().min(0).max(100).meta({ description: "Grams of carbohydrates per 100 g" }),
  fatG: z.number().min(0).max(100).meta({ description: "Grams of fat per 100 g" }),
};

const BarcodeSchema = z
  .string()
  .superRefine((code, context) => {
    const problem = barcodeProblem(code);
    if (problem) context.addIssue({ code: "custom", message: problem });
  })
  .meta({ description: "EAN-8, UPC-A or EAN-13 with a valid check digit", example: "8801043014830" });

const foodFields = {
  name: Text().trim().min(1).max(200),
  brand: Text().trim().max(200).nullable(),
  barcode: BarcodeSchema.nullable(),
  servingG: z.number().min(0.1).max(5000).nullable().meta({ description: "Grams in one serving" }),
  per100g: z.strictObject(per100gFields),
};

export const CreateFoodSchema = z
  .strictObject({
    ...foodFields,
    brand: foodFields.brand.optional(),
    barcode: foodFields.barcode.optional(),
    servingG: foodFields.servingG.optional(),
  })
  .meta({ id: "CreateFood" });

export const PatchFoodSchema = z
  .strictObject({ ...foodFields, per100g: z.strictObject(per100gFields).partial() })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, "must change at least one field")
  .meta({ id: "PatchFood" });

export const FoodSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    brand: z.string().nullable(),
    barcode: z.string().nullable(),
    source: z.enum(FOOD_SOURCES),
    servingG: z.number().nullable(),
    per100g: z.object({
      calories: z.number(),
      proteinG: z.number(),
      carbsG: z.number(),
      fatG: z.number(),
    }),
    owned: z.boolean().meta({ description: "The caller created this food" }),
  })
  .meta({ id: "Food" });

export const RecentFoodSchema = z
  .object({
    food: FoodSchema,
    uses: z.number().int(),
    lastGrams: z.number(),
    lastEatenAt: z.string().meta({ format: "date-time" }),
  })
  .meta({ id: "RecentFood" });

export const FoodPageSchema = z.object({ items: z.array(FoodSchema), nextCursor: z.string().nullable() });

export const SearchFoodsQuerySchema = z.object({
  q: Text().min(1).max(100).meta({ description: "What to look for, in any script", example: "비빔" }),
  limit: LimitSchema,
  cursor: CursorSchema,
});

export const BarcodeParamSchema = z.object({
  code: z
    .string()
    .max(64)
    .meta({ param: { name: "code", in: "path" }, example: "8801043014830" }),
});
