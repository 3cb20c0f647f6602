import * as z from "zod";
import { createRoute, json, optionallyAuthenticated, problems } from "../../lib/openapi";
import { BadgeSchema } from "./badges.schemas";

export const listBadges = createRoute({
  method: "get",
  path: "/v1/badges",
  operationId: "listBadges",
  tags: ["Badges"],
  security: optionallyAuthenticated,
  responses: { 200: json(z.object({ items: z.array(BadgeSchema) }), "The catalog"), ...problems(401, 503) },
});
