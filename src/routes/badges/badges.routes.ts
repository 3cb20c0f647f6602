import * as z from "zod";
import { createRoute, json, optionallyAuthenticated, problems } from "../../lib/openapi";

export const BadgeSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    description: z.string(),
    icon: z.string(),
    earned: z.boolean(),
    earnedAt: z.string().nullable(),
  })
  .meta({ id: "Badge" });

export const listBadges = createRoute({
  method: "get",
  path: "/v1/badges",
  operationId: "listBadges",
  tags: ["Badges"],
  security: optionallyAuthenticated,
  responses: { 200: json(z.object({ items: z.array(BadgeSchema) }), "The catalog"), ...problems(401, 503) },
});
