import { fromBase64, toBase64Url } from "./encoding";
import { ApiError } from "./errors";

/**
 * Opaque keyset cursors: the sort key of the last item of a page, base64url JSON. Clients must treat
 * them as opaque; a tampered one is a 400, never a 500.
 */
export function encodeCursor(position: Record<string, string>): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify(position)));
}

export function decodeCursor<K extends string>(cursor: string, keys: readonly K[]): Record<K, string> {
  try {
    const padded = cursor.replaceAll("-", "+").replaceAll("_", "/");
    const parsed = JSON.parse(new TextDecoder().decode(fromBase64(padded))) as Record<string, unknown>;
    if (keys.every((key) => typeof parsed[key] === "string")) return parsed as Record<K, string>;
  } catch {}
  throw new ApiError("INVALID_INPUT", {
    detail: "The cursor is not valid.",
    errors: [{ path: "cursor", message: "Invalid cursor; use nextCursor from a previous page" }],
  });
}
