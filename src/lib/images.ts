/**
 * Meal photos: what kind of image the bytes are (never what the client says), and the same image
 * without the metadata a phone writes into it (EXIF with GPS position and camera serials, XMP, text
 * chunks). The pixels are left byte for byte as they were: segments are dropped, never re-encoded.
 *
 * Anything that does not parse as the format it claims to be (truncated, a polyglot with a second
 * file behind the image's end, a segment running past the end) is refused: the parsers keep only
 * what they understood, and nothing after the image's own end.
 */
import { concatBytes } from "./encoding";

export type ImageType = "image/jpeg" | "image/png" | "image/webp";

export const IMAGE_EXTENSIONS: Record<ImageType, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
};

/** Bytes that are not one of the accepted images (answered 415). */
export class UnsupportedImage extends Error {
  override name = "UnsupportedImage";
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const ascii = (bytes: Uint8Array, start: number, length: number) =>
  String.fromCharCode(...bytes.subarray(start, start + length));

/** The image type from the file's magic numbers, or undefined. */
function sniffImageType(bytes: Uint8Array): ImageType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  if (bytes.length >= 8 && PNG_SIGNATURE.every((byte, i) => bytes[i] === byte)) return "image/png";
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WEBP")
    return "image/webp";
  return undefined;
}

/**
 * The image of `bytes` (its type sniffed) with every metadata segment removed.
 *
 * @example
 * const { type, bytes: clean } = sanitizeImage(upload); // throws UnsupportedImage
 */
export function sanitizeImage(bytes: Uint8Array): { type: ImageType; bytes: Uint8Array } {
  const type = sniffImageType(bytes);
  if (!type) throw new UnsupportedImage("not a JPEG, PNG or WebP image");
  const clean =
    type === "image/jpeg" ? stripJpeg(bytes) : type === "image/png" ? stripPng(bytes) : stripWebp(bytes);
  return { type, bytes: clean };
}

function fail(why: string): never {
  throw new UnsupportedImage(why);
}

// ---- JPEG (ITU T.81, JFIF 1.02, Exif 2.3) -----------------------------------------------------------

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP0 = 0xe0;
const APP2 = 0xe2;
const APP14 = 0xee;
const COM = 0xfe;

/**
 * APPn segments kept: JFIF (APP0: pixel density), an ICC colour profile (APP2 "ICC_PROFILE": how
 * the colours look) and Adobe's (APP14: how the components are to be read). Every other APPn
 * (APP1 Exif/XMP with GPS and serials, APP13 IPTC/Photoshop, maker notes…) and comments go.
 */
function keepJpegSegment(marker: number, payload: Uint8Array) {
  if (marker === COM) return false;
  if (marker < APP0 || marker > 0xef) return true;
  if (marker === APP0) return ascii(payload, 0, 5) === "JFIF\0";
  if (marker === APP2) return ascii(payload, 0, 12) === "ICC_PROFILE\0";
  return marker === APP14 && ascii(payload, 0, 5) === "Adobe";
}

function stripJpeg(bytes: Uint8Array): Uint8Array {
  const kept: Uint8Array[] = [bytes.subarray(0, 2)];
  let i = 2;
  let scans = 0;
  while (i < bytes.length) {
    if (bytes[i] !== 0xff) fail("JPEG: expected a marker");
    // Fill bytes (0xFF repeated) may precede a marker.
    while (bytes[i] === 0xff && bytes[i + 1] === 0xff) i++;
    const marker = bytes[i + 1];
    if (marker === undefined) fail("JPEG: truncated");
    if (marker === EOI) {
      if (scans === 0) fail("JPEG: no image data");
      kept.push(bytes.subarray(i, i + 2));
      return concatBytes(kept); // whatever follows the image's end (a polyglot's second file) is dropped
    }
    if (marker === SOI || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01)
      fail("JPEG: marker out of place");
    if (i + 4 > bytes.length) fail("JPEG: truncated segment");
    const length = ((bytes[i + 2] as number) << 8) | (bytes[i + 3] as number);
    const end = i + 2 + length;
    if (length < 2 || end > bytes.length) fail("JPEG: segment runs past the end");
    if (keepJpegSegment(marker, bytes.subarray(i + 4, end))) kept.push(bytes.subarray(i, end));
    i = end;
    if (marker === SOS) {
      scans++;
      const data = entropyCodedEnd(bytes, i);
      kept.push(bytes.subarray(i, data));
      i = data;
    }
  }
  return fail("JPEG: no end of image");
}

/** Where a scan's entropy-coded data ends: the first marker that is neither stuffing nor a restart. */
function entropyCodedEnd(bytes: Uint8Array, from: number): number {
  for (let i = from; i < bytes.length - 1; i++) {
    if (bytes[i] !== 0xff) continue;
    const next = bytes[i + 1] as number;
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) continue;
    return i;
  }
  return fail("JPEG: truncated scan");
}

// ---- PNG (ISO/IEC 15948, PNG 3rd edition) -------------------------------------------------------------

/**
 * Chunks kept: the critical ones, transparency, colour and gamma, physical size, and APNG's
 * animation chunks. Text (tEXt, zTXt, iTXt), Exif (eXIf), the modification time (tIME) and
 * anything unknown (private chunks can carry anything) go.
 */
const PNG_KEPT = new Set([
  "IHDR",
  "PLTE",
  "IDAT",
  "IEND",
  "tRNS",
  "cHRM",
  "gAMA",
  "iCCP",
  "sBIT",
  "sRGB",
  "cICP",
  "mDCV",
  "cLLI",
  "bKGD",
  "pHYs",
  "sPLT",
  "hIST",
  "acTL",
  "fcTL",
  "fdAT",
]);

function stripPng(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kept: Uint8Array[] = [bytes.subarray(0, 8)];
  let i = 8;
  let first = true;
  while (i + 12 <= bytes.length) {
    const length = view.getUint32(i);
    const type = ascii(bytes, i + 4, 4);
    const end = i + 12 + length;
    if (length > 0x7fffffff || end > bytes.length) fail("PNG: chunk runs past the end");
    if (!/^[A-Za-z]{4}$/.test(type)) fail("PNG: malformed chunk type");
    if (first && type !== "IHDR") fail("PNG: IHDR must come first");
    first = false;
    if (PNG_KEPT.has(type)) kept.push(bytes.subarray(i, end));
    i = end;
    if (type === "IEND") {
      if (kept.length < 3) fail("PNG: no image data");
      return concatBytes(kept); // nothing after IEND
    }
  }
  return fail("PNG: no IEND");
}

// ---- WebP (RIFF container, RFC 9649) --------------------------------------------------------------------

/** Image chunks kept; EXIF, XMP and unknown chunks go. */
const WEBP_KEPT = new Set(["VP8 ", "VP8L", "VP8X", "ALPH", "ANIM", "ANMF", "ICCP"]);
const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;

function stripWebp(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const riffEnd = 8 + view.getUint32(4, true);
  if (riffEnd > bytes.length || riffEnd < 20) fail("WebP: RIFF size runs past the end");
  const kept: Uint8Array[] = [];
  let image = false;
  let i = 12;
  while (i < riffEnd) {
    if (i + 8 > riffEnd) fail("WebP: truncated chunk header");
    const fourcc = ascii(bytes, i, 4);
    const size = view.getUint32(i + 4, true);
    const end = i + 8 + size + (size % 2); // chunks are padded to an even size
    if (end > riffEnd) fail("WebP: chunk runs past the end");
    if (WEBP_KEPT.has(fourcc)) {
      const chunk = bytes.slice(i, end);
      if (fourcc === "VP8X" && size >= 1) chunk[8] = (chunk[8] as number) & ~(VP8X_EXIF | VP8X_XMP);
      if (fourcc === "VP8 " || fourcc === "VP8L" || fourcc === "ANMF") image = true;
      kept.push(chunk);
    }
    i = end;
  }
  if (!image) fail("WebP: no image data");
  // A new RIFF header for what is kept; nothing after the RIFF's end.
  const body = concatBytes(kept);
  const header = new Uint8Array(12);
  header.set(bytes.subarray(0, 4));
  new DataView(header.buffer).setUint32(4, body.length + 4, true);
  header.set(bytes.subarray(8, 12), 8);
  return concatBytes([header, body]);
}
