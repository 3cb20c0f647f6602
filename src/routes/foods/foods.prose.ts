import type { OperationProse } from "../../lib/openapi";

/** The prose of each foods operation in the OpenAPI document, by operationId (not in the bundle). */
export const foodsProse: Record<string, OperationProse> = {
  searchFoods: {
    summary: "Search foods by name",
    description:
      "Finds the foods the caller may see (their own custom foods and the shared Open Food Facts products; never another user's custom food) whose name or brand contains something like `q`: partial words in any script (`비빔` finds `비빔밥`), small typos (`choclate` finds `Chocolate`), case and accents ignored. Best match first; follow `nextCursor` for more.",
  },
  lookupFoodByBarcode: {
    summary: "A product by its barcode",
    description:
      "`code` is an EAN-8, UPC-A or EAN-13 with a valid check digit (else 400; a UPC-A is answered as its EAN-13). Answered from the database, else from Open Food Facts, then stored so the next lookup is local. 404 when Open Food Facts does not know the code, or its product has no usable name or energy; an unknown code is remembered for an hour. 503 with `Retry-After` when Open Food Facts fails or does not answer in time (nothing is stored).",
  },
  createFood: {
    summary: "Create a custom food",
    description:
      "A custom food is private to its creator. Values are per 100 g. With an `Idempotency-Key`, the same key and body within 24 h answer the first response again (header `Idempotent-Replayed: true`) and create nothing; the same key with another body is 409.",
  },
  getFood: {
    summary: "One food",
    description: "Another user's custom food is 404, like one that does not exist.",
  },
  updateFood: {
    summary: "Change a custom food",
    description:
      "Only the creator's own custom foods (else 404); foods from Open Food Facts are 403. Past logs keep the numbers they were written with.",
  },
  deleteFood: {
    summary: "Delete a custom food",
    description:
      "Only the creator's own custom foods (else 404); foods from Open Food Facts are 403. Past logs keep the numbers they were written with.",
  },
  listRecentFoods: {
    summary: "The caller's most used foods",
    description:
      "For one-tap logging: the foods of the caller's logs of the last 30 days (by `eatenAt`), most used first (`uses`: how many logs had it), then the most recently eaten; at most 20. `lastGrams` is the amount of the latest use (a default for the next one), `lastEatenAt` its time. Counted from the logs' item snapshots, joined to the foods the caller may still see: a deleted food drops out, another user's food never shows.",
  },
};
