import type { Config } from "../config";
import { fromBase64Url, sha256Hex, toBase64Url } from "./encoding";
import { UUID_PATTERN } from "./ids";

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;

/**
 * `passwordSalt`: the user's current password salt (`encodeSalt`), so a password change or an account
 * deletion can hash the password before its one database round trip.
 */
export type AccessIdentity = { userId: string; sessionId: string; passwordSalt?: string };
type JwtConfig = Config["jwt"];

const nowSeconds = () => Math.floor(Date.now() / 1000);

// HS256 JWTs (RFC 7519) with WebCrypto: the one algorithm this API signs and accepts, in a few
// lines rather than a JWT library's worth of bundle. The header is fixed on signing and must say
// exactly HS256 on verification (no `none`, no other algorithm, no key confusion); the signature is
// checked by crypto.subtle.verify (constant time) before the payload is even parsed.
const HEADER = toBase64Url(new TextEncoder().encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
const encoder = new TextEncoder();
const hmacKeys = new Map<string, Promise<CryptoKey>>();
function hmacKey(secret: string) {
  let key = hmacKeys.get(secret);
  if (!key) {
    const algorithm = { name: "HMAC", hash: "SHA-256" };
    key = crypto.subtle.importKey("raw", encoder.encode(secret), algorithm, false, ["sign", "verify"]);
    hmacKeys.set(secret, key);
  }
  return key;
}
const jsonOf = (part: string): unknown => JSON.parse(new TextDecoder().decode(fromBase64Url(part)));
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

async function signJwt(claims: Record<string, unknown>, secret: string) {
  const body = `${HEADER}.${toBase64Url(encoder.encode(JSON.stringify(claims)))}`;
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(body));
  return `${body}.${toBase64Url(new Uint8Array(signature))}`;
}

/** The claims of `token` if it is an HS256 JWT signed with `secret`, current (exp, nbf, iat), for `jwt`'s issuer and audience. */
async function verifyJwt(token: string, secret: string, jwt: JwtConfig, now: number) {
  const [header, payload, signature, ...rest] = token.split(".");
  if (header === undefined || payload === undefined || signature === undefined || rest.length > 0) return;
  const head = jsonOf(header);
  if (!isRecord(head) || head.alg !== "HS256") return;
  const body = encoder.encode(`${header}.${payload}`);
  if (!(await crypto.subtle.verify("HMAC", await hmacKey(secret), fromBase64Url(signature), body))) return;
  const claims = jsonOf(payload);
  if (!isRecord(claims)) return;
  const { exp, nbf, iat, iss, aud } = claims;
  if (typeof exp !== "number" || exp <= now) return;
  if ((nbf !== undefined && (typeof nbf !== "number" || nbf > now)) || (typeof iat === "number" && iat > now))
    return;
  if (iss !== jwt.issuer) return;
  if (!(aud === jwt.audience || (Array.isArray(aud) && aud.includes(jwt.audience)))) return;
  return claims;
}

/** A short-lived HS256 access token naming the user (`sub`) and the session (`sid`). */
export function signAccessToken(identity: AccessIdentity, jwt: JwtConfig, now = nowSeconds()) {
  return signJwt(
    {
      sub: identity.userId,
      sid: identity.sessionId,
      ...(identity.passwordSalt ? { pws: identity.passwordSalt } : {}),
      iat: now,
      exp: now + ACCESS_TOKEN_TTL_SECONDS,
      iss: jwt.issuer,
      aud: jwt.audience,
    },
    jwt.secret,
  );
}

/**
 * Checks signature (current secret, then the previous one while rotating), `alg`, `exp`, `iss` and
 * `aud`; answers undefined for any token that fails, whatever the reason.
 */
export async function verifyAccessToken(token: string, jwt: JwtConfig): Promise<AccessIdentity | undefined> {
  for (const secret of [jwt.secret, jwt.previousSecret]) {
    if (!secret) continue;
    try {
      const claims = await verifyJwt(token, secret, jwt, nowSeconds());
      if (!claims) continue;
      const { sub, sid, pws } = claims;
      if (typeof sub !== "string" || typeof sid !== "string") return undefined;
      if (!UUID_PATTERN.test(sub) || !UUID_PATTERN.test(sid)) return undefined;
      return { userId: sub, sessionId: sid, ...(typeof pws === "string" && { passwordSalt: pws }) };
    } catch {}
  }
  return undefined;
}

/**
 * An opaque refresh token: the session id, a dot, 256 random bits. Only its hash is stored; the
 * session id lets a refresh be rate-limited per session before the token is spent.
 */
export const newRefreshToken = (sessionId: string) =>
  `${sessionId}.${toBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`;

/** The session id a well-formed refresh token names, or undefined. */
export function sessionIdOfRefreshToken(token: string): string | undefined {
  const [sessionId, secret, ...rest] = token.split(".");
  if (rest.length > 0 || !sessionId || !UUID_PATTERN.test(sessionId) || !secret || secret.length !== 43) {
    return undefined;
  }
  return sessionId.toLowerCase();
}

export const hashRefreshToken = (token: string) => sha256Hex(token);
