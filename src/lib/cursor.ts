import * as z from "zod";
import { fromBase64Url, toBase64Url } from "./encoding";
import { ApiError } from "./errors";

/** The position of a row in a (time desc, id desc) keyset page. */
export type TimeIdPosition = { at: string; id: string };

const positionSchema = z.strictObject({ at: z.iso.datetime(), id: z.uuid() });

/**
 * Opaque keyset cursors: the sort key of the last item of a page, base64url JSON. Clients must
 * treat them as opaque; a tampered one is a 400, never a 500 (every part is validated before it
 * reaches SQL).
 */
export function encodeCursor(position: TimeIdPosition | ScoreIdPosition): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(position)));
}

/**
 * A keyset page from a query that asked for `limit + 1` rows: the first `limit`, and the cursor of
 * the last of them when there was more.
 */
export function keysetPage<T>(
  rows: readonly T[],
  limit: number,
  positionOf: (row: T) => TimeIdPosition | ScoreIdPosition,
) {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, nextCursor: rows.length > limit && last ? encodeCursor(positionOf(last)) : null };
}

export function decodeCursor(cursor: string): TimeIdPosition {
  return decodeWith(positionSchema, cursor);
}

/** The position of a row in a (score asc, id asc) ranked page (food search; the score is a small integer). */
export type ScoreIdPosition = { score: number; id: string };

const scorePositionSchema = z.strictObject({ score: z.int().min(0).max(2_147_483_647), id: z.uuid() });

export const decodeScoreCursor = (cursor: string): ScoreIdPosition => decodeWith(scorePositionSchema, cursor);

function decodeWith<T>(schema: z.ZodType<T>, cursor: string): T {
  try {
    const parsed = schema.safeParse(JSON.parse(new TextDecoder().decode(fromBase64Url(cursor))));
    if (parsed.success) return parsed.data;
  } catch {}
  throw new ApiError("INVALID_INPUT", {
    detail: "The cursor is not valid.",
    errors: [{ path: "cursor", message: "Invalid cursor; use nextCursor from a previous page" }],
  });
}
