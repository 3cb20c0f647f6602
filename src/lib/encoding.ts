import { decodeBase64, decodeBase64Url, encodeBase64, encodeBase64Url } from "hono/utils/encode";

// hono's encoders read their argument through `new Uint8Array(buf)`, which copies a view (any
// offset) as well as a whole buffer: the casts only widen what its types admit.
export const toBase64 = (bytes: Uint8Array) => encodeBase64(bytes as unknown as ArrayBuffer);
export const fromBase64 = decodeBase64;

/** Base64url without padding (JWS, RFC 7515 §2; cursors, salts and tokens alike). */
export const toBase64Url = (bytes: Uint8Array) =>
  encodeBase64Url(bytes as unknown as ArrayBuffer).replace(/=+$/, "");

/** The bytes of unpadded base64url; throws on any other character. */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[\w-]*$/.test(text)) throw new Error("not base64url");
  return decodeBase64Url(text);
}

export const toHex = (bytes: ArrayBuffer | Uint8Array) =>
  Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, "0")).join("");

/** Compares two byte strings in time that depends only on their length. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** The byte strings one after the other, in one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
