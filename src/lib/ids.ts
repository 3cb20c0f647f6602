import type { ApiError } from "./errors";

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then randomness. Ids sort by creation time, which
 * keeps B-tree inserts local and makes ids usable as a tie-breaker in time-ordered pages. Made here
 * because PostgreSQL 15 has no uuidv7().
 */
export function uuidv7(now = Date.now()): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Ids are opaque to clients: one that cannot exist is simply not found (`notFound()`), never a 400,
 * and never a malformed uuid reaching SQL.
 */
export function assertUuid(id: string, notFound: () => ApiError): void {
  if (!UUID_PATTERN.test(id)) throw notFound();
}
