import { fromBase64, fromBase64Url, timingSafeEqual, toBase64, toBase64Url } from "./encoding";

/**
 * PBKDF2-SHA-256 iterations. Production Workers refuse more than 100,000 (local workerd does not, so
 * a test pins this); about 12 ms of CPU per hash. Raising it later is safe: the count is stored with
 * each hash and an old one is upgraded at the next sign-in.
 */
export const PBKDF2_ITERATIONS = 100_000;
export const PBKDF2_MAX_ITERATIONS = 100_000;
const ALGORITHM = "pbkdf2-sha256";
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const encoder = new TextEncoder();

/**
 * A password salt. `keyId` names the salt key it was derived from (see `saltFor`); a salt drawn at
 * random (hashes made before keyed salts) has none.
 */
export type PasswordSalt = { bytes: Uint8Array<ArrayBuffer>; keyId?: string };

type ParsedHash = { iterations: number; salt: Uint8Array<ArrayBuffer>; hash: Uint8Array; keyId?: string };

async function derive(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    key,
    HASH_BYTES * 8,
  );
  return new Uint8Array(bits);
}

function parse(stored: string): ParsedHash | undefined {
  const [algorithm, iterations, salt, hash, keyId, ...rest] = stored.split("$");
  if (algorithm !== ALGORITHM || !iterations || !salt || !hash || rest.length > 0) return undefined;
  return {
    iterations: Number(iterations),
    salt: fromBase64(salt),
    hash: fromBase64(hash),
    keyId: keyId?.startsWith("k") ? keyId.slice(1) : undefined,
  };
}

/**
 * `pbkdf2-sha256$<iterations>$<salt>$<hash>` (base64), followed by `$k<key id>` for a keyed salt.
 * The string is a function of the password and the salt only, so the database can check a password
 * by comparing it with the stored one (the sign-in, password change and deletion statements do).
 */
export async function hashPassword(
  password: string,
  salt: PasswordSalt,
  iterations = PBKDF2_ITERATIONS,
): Promise<string> {
  const hash = await derive(password, salt.bytes, iterations);
  const keyed = salt.keyId ? `$k${salt.keyId}` : "";
  return `${ALGORITHM}$${iterations}$${toBase64(salt.bytes)}$${toBase64(hash)}${keyed}`;
}

/**
 * Resolves after the event loop has run once, so that requests already started (a database round
 * trip) leave the isolate before CPU-bound work blocks it: workerd runs WebCrypto, PBKDF2 included,
 * synchronously on the request's thread, and a request is only written out when that thread yields.
 * Measured in workerd: a request started just before a 100,000-iteration PBKDF2 reached its server
 * 14 ms later without this, 1.5 ms later with it.
 *
 * @example
 * const [row, hash] = await Promise.all([statement(), afterPendingIo().then(() => hashPassword(p, salt))]);
 */
export const afterPendingIo = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Two hash strings compared in constant time (for equal lengths; a length says only the format). */
export const sameHash = (a: string, b: string) => timingSafeEqual(encoder.encode(a), encoder.encode(b));

/** A salt drawn at random: how hashes were salted before keyed salts (tests make such hashes). */
export const randomSalt = (): PasswordSalt => ({
  bytes: crypto.getRandomValues(new Uint8Array(SALT_BYTES)),
});

const hmacKeys = new Map<string, Promise<CryptoKey>>();
const hmacKey = (secret: string) => {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
    hmacKeys.set(secret, key);
  }
  return key;
};
const hmac = async (secret: string, message: string) =>
  new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(message)));

// Domain separation: the same secret may also sign access tokens (JWT_SECRET, when
// PASSWORD_SALT_SECRET is unset); a JWS signing input never contains NUL, these messages always do.
const SALT_LABEL = "sikdan/password-salt\u0000";
const KEY_ID_LABEL = "sikdan/password-salt-key-id\u0000";

/**
 * The salt of `emailKey`'s password: HMAC-SHA-256(secret, label ‖ email), first 16 bytes. Unique per
 * account (emails are unique), unpredictable without the secret, and computable before the
 * database is asked anything, so a sign-in checks the password inside its one statement. `keyId`
 * (8 characters of an HMAC of a label, not of the secret itself) is stored with each hash: after the
 * secret changes, hashes under the old key are verified with the salt stored in them and re-hashed.
 */
export async function saltFor(secret: string, emailKey: string): Promise<PasswordSalt> {
  const [salt, id] = await Promise.all([hmac(secret, SALT_LABEL + emailKey), hmac(secret, KEY_ID_LABEL)]);
  return { bytes: salt.slice(0, SALT_BYTES), keyId: toBase64Url(id).slice(0, 8) };
}

/** A salt as one string (the `pws` claim of access tokens), and back. */
export const encodeSalt = (salt: PasswordSalt) => `${salt.keyId ?? ""}.${toBase64Url(salt.bytes)}`;
export function decodeSalt(encoded: string): PasswordSalt | undefined {
  const [keyId, bytes, ...rest] = encoded.split(".");
  if (!keyId || !bytes || rest.length > 0 || !/^[\w-]{22}$/.test(bytes)) return undefined;
  return { keyId, bytes: fromBase64Url(bytes) };
}

/**
 * True when `stored` was made with exactly `salt` and today's parameters: then a stored hash that
 * differs from `hashPassword(password, salt)` means a wrong password. Otherwise the stored hash is
 * of an older kind (random salt, a previous salt key, other iterations): verify it with
 * `verifyPassword`, then replace it.
 */
export function isCurrentHash(stored: string, salt: PasswordSalt): boolean {
  const parsed = parse(stored);
  return (
    parsed !== undefined &&
    parsed.iterations === PBKDF2_ITERATIONS &&
    parsed.hash.length === HASH_BYTES &&
    parsed.keyId === salt.keyId &&
    timingSafeEqual(parsed.salt, salt.bytes)
  );
}

// Verified against when the email is unknown, so both failures cost one PBKDF2 and look alike.
const DUMMY_HASH = `${ALGORITHM}$${PBKDF2_ITERATIONS}$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`;

/**
 * Verifies against the salt and parameters stored in the hash, in constant time; with `stored`
 * undefined, burns the same CPU and answers false.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const parsed = parse(stored ?? DUMMY_HASH);
  if (!parsed || parsed.iterations > PBKDF2_MAX_ITERATIONS) return false;
  const candidate = await derive(password, parsed.salt, parsed.iterations);
  return timingSafeEqual(candidate, parsed.hash) && stored !== undefined;
}
