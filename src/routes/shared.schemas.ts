import * as z from "zod";
import { MEAL_TYPES } from "../db/schema";
import { Day } from "../lib/openapi";

/**
 * Primitives more than one area's schemas use (logs, challenges, photos, users, and the next
 * feature's). Each area's own shapes live in `routes/<area>/<area>.schemas.ts`.
 */

export const MealTypeSchema = z.enum(MEAL_TYPES);

export const TagSchema = z
  .string()
  .max(32)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be a lowercase slug (a-z, 0-9, single hyphens)")
  .meta({ example: "vegetable" });

export const DaySchema = Day().meta({ description: "Calendar day, YYYY-MM-DD", example: "2026-11-26" });

/** A page's size (`?limit=`), 1..100. */
export const LimitSchema = z.coerce.number().int().min(1).max(100).default(20);

/** The opaque `nextCursor` of the previous page (lib/cursor.ts). */
export const CursorSchema = z.string().max(500).optional();

/**
 * The `{id}` path parameter. Ids are opaque to clients: any string up to 100 characters is
 * accepted here, and one that cannot exist is simply not found (lib/ids.ts `assertUuid`).
 */
export const UUID_EXAMPLE = "0193a1b2-7c4d-7e5f-8a9b-0c1d2e3f4a5b";

export const idParams = (example?: string) =>
  z.object({
    id: z
      .string()
      .max(100)
      .meta({ param: { name: "id", in: "path" }, ...(example === undefined ? {} : { example }) }),
  });
