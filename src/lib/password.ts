import { fromBase64, timingSafeEqual, toBase64 } from "./encoding";

/**
 * PBKDF2-SHA-256 iterations. Production Workers refuse more than 100,000 (local workerd does not, so
 * a test pins this); about 12 ms of CPU per hash. Raising it later is safe: the count is stored with
 * each hash and `needsRehash` upgrades old hashes at the next login.
 */
export const PBKDF2_ITERATIONS = 100_000;
export const PBKDF2_MAX_ITERATIONS = 100_000;
const ALGORITHM = "pbkdf2-sha256";
const SALT_BYTES = 16;
const HASH_BYTES = 32;

type ParsedHash = { iterations: number; salt: Uint8Array<ArrayBuffer>; hash: Uint8Array };

async function derive(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    key,
    HASH_BYTES * 8,
  );
  return new Uint8Array(bits);
}

function parse(stored: string): ParsedHash | undefined {
  const [algorithm, iterations, salt, hash] = stored.split("$");
  if (algorithm !== ALGORITHM || !iterations || !salt || !hash) return undefined;
  return { iterations: Number(iterations), salt: fromBase64(salt), hash: fromBase64(hash) };
}

/** `pbkdf2-sha256$<iterations>$<salt>$<hash>` (base64), with a fresh random salt. */
export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, iterations);
  return `${ALGORITHM}$${iterations}$${toBase64(salt)}$${toBase64(hash)}`;
}

// Verified against when the email is unknown, so both failures cost one PBKDF2 and look alike.
const DUMMY_HASH = `${ALGORITHM}$${PBKDF2_ITERATIONS}$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`;

/** Verifies in constant time; with `stored` undefined, burns the same CPU and answers false. */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const parsed = parse(stored ?? DUMMY_HASH);
  if (!parsed || parsed.iterations > PBKDF2_MAX_ITERATIONS) return false;
  const candidate = await derive(password, parsed.salt, parsed.iterations);
  return timingSafeEqual(candidate, parsed.hash) && stored !== undefined;
}

/** True when the stored hash was made with other parameters than today's. */
export function needsRehash(stored: string): boolean {
  const parsed = parse(stored);
  return !parsed || parsed.iterations !== PBKDF2_ITERATIONS || parsed.hash.length !== HASH_BYTES;
}
