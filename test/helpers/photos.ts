import { concatBytes } from "../../src/lib/encoding";
import { call, callJson } from "./http";
import { type Log, logMeal } from "./logs";
import { newUser } from "./users";

/** Photo uploads and the bytes they leave (the suites build their own users and logs). */

export const photoPath = (logId: string) => `/v1/logs/${logId}/photo`;

/** PUT /v1/logs/:id/photo with raw bytes (any status). */
export const uploadPhoto = (
  token: string | undefined,
  logId: string,
  bytes: Uint8Array,
  contentType = "image/jpeg",
) =>
  callJson<Log>(photoPath(logId), {
    method: "PUT",
    token,
    rawBody: bytes,
    headers: { "content-type": contentType },
  });

/** Fetches a signed `photoUrl` the way an `<img>` would: no cookie, no token. */
export function fetchPhoto(photoUrl: string, headers: Record<string, string> = {}) {
  const url = new URL(photoUrl);
  return call(`${url.pathname}${url.search}`, { headers });
}

export const bytesOf = async (response: Response) => new Uint8Array(await response.arrayBuffer());

/** Whether `needle` (ASCII) occurs anywhere in `bytes`. */
export function containsAscii(bytes: Uint8Array, needle: string) {
  const text = String.fromCharCode(...bytes);
  return text.includes(needle);
}

/** The JPEG's entropy-coded image data and tables: everything from the first DQT/SOF on, as bytes. */
export function jpegImageData(bytes: Uint8Array) {
  for (let i = 2; i < bytes.length - 1; i++) {
    if (bytes[i] === 0xff && (bytes[i + 1] === 0xdb || bytes[i + 1] === 0xc0 || bytes[i + 1] === 0xc2)) {
      return bytes.subarray(i);
    }
  }
  throw new Error("no image data");
}

/** The PNG chunk types, in order. */
export function pngChunks(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: { type: string; data: Uint8Array }[] = [];
  for (let i = 8; i + 12 <= bytes.length; ) {
    const length = view.getUint32(i);
    chunks.push({
      type: String.fromCharCode(...bytes.subarray(i + 4, i + 8)),
      data: bytes.subarray(i + 8, i + 8 + length),
    });
    i += 12 + length;
  }
  return chunks;
}

/** The WebP chunk fourccs, in order. */
export function webpChunks(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: string[] = [];
  for (let i = 12; i + 8 <= bytes.length; ) {
    const size = view.getUint32(i + 4, true);
    chunks.push(String.fromCharCode(...bytes.subarray(i, i + 4)));
    i += 8 + size + (size % 2);
  }
  return chunks;
}

/** The byte strings one after the other. */
export const concat = (...parts: Uint8Array[]) => concatBytes(parts);

export const ascii = (text: string) => new TextEncoder().encode(text);

/** A fresh user with one logged meal. */
export async function userWithLog() {
  const user = await newUser();
  const { log } = await logMeal(user.accessToken);
  return { user, log };
}
