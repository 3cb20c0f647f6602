import { callJson } from "./http";

/** A unique email per call, so no two tests ever meet in the database. */
export const uniqueEmail = (label = "user") => `${label}-${crypto.randomUUID()}@example.com`;

/** A unique client address (RFC 2544 benchmarking range), so per-IP limits never cross tests. */
export function uniqueIp() {
  const [a, b] = crypto.getRandomValues(new Uint8Array(2));
  return `198.18.${a}.${b}`;
}

export const DEFAULT_PASSWORD = "correct horse battery staple";

export type SignedUp = {
  user: { id: string; email: string; displayName: string; timezone: string; dayStartHour: number };
  accessToken: string;
  refreshToken: string;
  email: string;
  password: string;
  ip: string;
  /** The Set-Cookie headers of the signup response. */
  cookies: string[];
};

/** Signs a fresh user up through the API (the only way users come to exist) and returns the tokens. */
export async function signUp(
  overrides: Partial<{ email: string; password: string; displayName: string; timezone: string }> = {},
): Promise<SignedUp> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? DEFAULT_PASSWORD;
  const ip = uniqueIp();
  const { status, body, response } = await callJson("/v1/auth/signup", {
    body: {
      email,
      password,
      displayName: overrides.displayName ?? "Test User",
      timezone: overrides.timezone ?? "Asia/Seoul",
    },
    headers: { "CF-Connecting-IP": ip },
  });
  if (status !== 201) throw new Error(`signup failed: ${status} ${JSON.stringify(body)}`);
  return { ...body, email, password, ip, cookies: response.headers.getSetCookie() };
}

/** Cookie header value made of the `name=value` parts of Set-Cookie headers. */
export const cookieHeader = (setCookies: string[]) =>
  setCookies
    .map((cookie) => cookie.split(";")[0]!)
    .filter((pair) => !pair.endsWith("="))
    .join("; ");
