import type { OperationProse } from "../../lib/openapi";

/** The prose of GET /v1/foods/recent in the OpenAPI document (read by the generator only). */
export const recentFoodsProse: Record<string, OperationProse> = {
  listRecentFoods: {
    summary: "The caller's most used foods",
    description:
      "For one-tap logging: the foods of the caller's logs of the last 30 days (by `eatenAt`), most used first (`uses`: how many logs had it), then the most recently eaten; at most 20. `lastGrams` is the amount of the latest use (a default for the next one), `lastEatenAt` its time. Counted from the logs' item snapshots, joined to the foods the caller may still see: a deleted food drops out, another user's food never shows.",
  },
};
