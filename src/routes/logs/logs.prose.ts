import type { OperationProse } from "../../lib/openapi";

/**
 * The prose of each logs operation in the OpenAPI document, by operationId. Only the document
 * generator (src/routes/docs/generate.ts, in Node) reads it: the Worker's bundle carries the routes'
 * schemas, not their descriptions.
 */
export const logsProse: Record<string, OperationProse> = {
  createLog: {
    summary: "Log a meal",
    description:
      "Its `localDate` is computed from `eatenAt` in the user's time zone and day start, and kept. With `items` (1..30 foods the caller may see, grams 0.1..5000 kept to 2 decimals), the server computes `calories` (an integer) and `proteinG`/`carbsG`/`fatG` (1 decimal) as the sum of per100g × grams / 100: the exact sums rounded once (halves away from zero), while each item shows its own numbers to 1 decimal. The items are kept as a snapshot: editing or deleting a food later changes no log. Sending those numbers with items is 400 naming each; a food the caller may not see (unknown, or another user's custom food alike) is 400 naming `items.<i>.foodId`; totals over a log's limits (10000 kcal, 1000 g of a macro) are 400 naming `items`. `events` lists the challenge progress, completions and badges this write caused. With an `Idempotency-Key`, the same key and body within 24 h answer the first response again (header `Idempotent-Replayed: true`) and create nothing; the same key with another body is 409.",
  },
  listLogs: {
    summary: "The user's logs, newest first",
    description: "`from`/`to` are inclusive days. Pages are stable: follow `nextCursor` until it is null.",
  },
  getLog: {
    summary: "One log",
    description: "Another user's log is 404, like one that does not exist.",
  },
  updateLog: {
    summary: "Change a log",
    description:
      "A new `eatenAt` moves the log to the day the user's current time zone gives it. Items and typed-in numbers replace each other: new `items` recompute all four numbers; `items: []`, or a number sent without items, makes it a log of typed-in numbers (the numbers not sent keep their values).",
  },
  deleteLog: {
    summary: "Delete a log",
    description: "Challenge progress goes down with it; completions and badges already earned stay.",
  },
  getLogSummary: {
    summary: "Daily totals against the goals",
    description: "One entry per day from `from` to `to` (inclusive, at most 93 days), empty days included.",
  },
};
