import { sign, verify } from "hono/jwt";
import type { Config } from "../config";
import { sha256Hex, toBase64Url } from "./encoding";
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

/** A short-lived HS256 access token naming the user (`sub`) and the session (`sid`). */
export function signAccessToken(identity: AccessIdentity, jwt: JwtConfig, now = nowSeconds()) {
  return sign(
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
    "HS256",
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
      const claims = await verify(token, secret, { alg: "HS256", iss: jwt.issuer, aud: jwt.audience });
      const { sub, sid } = claims;
      if (typeof sub !== "string" || typeof sid !== "string") return undefined;
      if (!UUID_PATTERN.test(sub) || !UUID_PATTERN.test(sid) || typeof claims.exp !== "number")
        return undefined;
      return {
        userId: sub,
        sessionId: sid,
        ...(typeof claims.pws === "string" && { passwordSalt: claims.pws }),
      };
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
