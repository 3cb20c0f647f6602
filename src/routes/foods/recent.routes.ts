import * as z from "zod";
import { authenticated, createRoute, json, problems } from "../../lib/openapi";

// TODO(lead, at merge): replace with the catalogue's `Food` schema (src/routes/foods/), the same shape.
const FoodSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    brand: z.string().nullable(),
    barcode: z.string().nullable(),
    source: z.enum(["custom", "openfoodfacts"]),
    servingG: z.number().nullable(),
    per100g: z.object({ calories: z.number(), proteinG: z.number(), carbsG: z.number(), fatG: z.number() }),
    owned: z.boolean(),
  })
  .meta({ id: "Food" });

const RecentFoodSchema = z
  .object({
    food: FoodSchema,
    uses: z.number().int(),
    lastGrams: z.number(),
    lastEatenAt: z.string().meta({ format: "date-time" }),
  })
  .meta({ id: "RecentFood" });

export const listRecentFoods = createRoute({
  method: "get",
  path: "/v1/foods/recent",
  operationId: "listRecentFoods",
  tags: ["Foods"],
  security: authenticated,
  responses: {
    200: json(z.object({ items: z.array(RecentFoodSchema) }), "The caller's most used foods"),
    ...problems(401, 503),
  },
});
