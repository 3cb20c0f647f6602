import { timingSafeEqual, toBase64Url } from "./encoding";

/**
 * Capability URLs for stored photos: `<origin>/v1/photos/<key>?exp=<unix seconds>&sig=<HMAC>`, so an
 * `<img>` on the frontend's origin shows a photo without cookies. The HMAC-SHA-256 covers the key
 * and the expiry under the server's secret, with a purpose label so that no other signature of
 * that secret (a JWT) can ever pass for one of these.
 *
 * Expiries are rounded up to the next whole hour, one hour ahead at least: a URL is valid for 1 to
 * 2 hours, and every read within the same hour answers the same URL (the browser's cache keeps working).
 */
const PURPOSE = "sikdan photo url v1";
const HOUR = 3600;

const encoder = new TextEncoder();

async function hmac(secret: string, key: string, expires: number): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signed = await crypto.subtle.sign(
    "HMAC",
    cryptoKey,
    encoder.encode(`${PURPOSE}\n${key}\n${expires}`),
  );
  return toBase64Url(new Uint8Array(signed));
}

/** The expiry of a URL signed at `nowSeconds`. */
const signedUrlExpiry = (nowSeconds: number) => Math.ceil((nowSeconds + HOUR) / HOUR) * HOUR;

/**
 * @example
 * const url = await signPhotoUrl({ origin: "https://api.example", secret, key, nowSeconds });
 */
export async function signPhotoUrl(options: {
  origin: string;
  secret: string;
  key: string;
  nowSeconds: number;
}) {
  const expires = signedUrlExpiry(options.nowSeconds);
  const sig = await hmac(options.secret, options.key, expires);
  return `${options.origin}/v1/photos/${options.key}?exp=${expires}&sig=${sig}`;
}

export type SignatureCheck = "valid" | "expired" | "invalid";

/** Checks a presented URL's expiry and signature (against each accepted secret, for rotation). */
export async function checkPhotoSignature(options: {
  secrets: readonly string[];
  key: string;
  expires: string | undefined;
  sig: string | undefined;
  nowSeconds: number;
}): Promise<SignatureCheck> {
  const expires = Number(options.expires);
  if (!options.sig || !/^\d{1,12}$/.test(options.expires ?? "")) return "invalid";
  let valid = false;
  for (const secret of options.secrets) {
    const expected = await hmac(secret, options.key, expires);
    if (timingSafeEqual(encoder.encode(expected), encoder.encode(options.sig))) valid = true;
  }
  if (!valid) return "invalid";
  return expires <= options.nowSeconds ? "expired" : "valid";
}
