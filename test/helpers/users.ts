import { callJson, uniqueIp } from "./http";

/** Users as every suite makes them: through the API (the only way users come to exist), one per test. */

/** A unique email per call, so no two tests ever meet in the database. */
export const uniqueEmail = (label = "user") => `${label}-${crypto.randomUUID()}@example.com`;

export const DEFAULT_PASSWORD = "correct horse battery staple";

export type Account = {
  user: {
    id: string;
    email: string;
    displayName: string;
    timezone: string;
    dayStartHour: number;
    goals: { calories: number | null; proteinG: number | null; carbsG: number | null; fatG: number | null };
    createdAt: string;
  };
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  email: string;
  password: string;
  /** The client address it signed up from (none: sent without CF-Connecting-IP). */
  ip?: string;
  /** The Set-Cookie headers of the signup (or login) response. */
  cookies: string[];
};

export type SignUpOptions = Partial<{
  email: string;
  password: string;
  displayName: string;
  timezone: string;
  /** CF-Connecting-IP: a fresh unique one unless given; `null` sends none (no per-IP limit, ~6× faster). */
  ip: string | null;
}>;

/** Signs a fresh user up through POST /v1/auth/signup, insisting on 201; returns the tokens. */
export async function signUp(options: SignUpOptions = {}): Promise<Account> {
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? DEFAULT_PASSWORD;
  const ip = options.ip === null ? undefined : (options.ip ?? uniqueIp());
  const { status, body, response } = await callJson("/v1/auth/signup", {
    body: {
      email,
      password,
      displayName: options.displayName ?? "Test User",
      timezone: options.timezone ?? "Asia/Seoul",
    },
    ip,
  });
  if (status !== 201) throw new Error(`signup failed: ${status} ${JSON.stringify(body)}`);
  return { ...body, email, password, ip, cookies: response.headers.getSetCookie() };
}

/** A fresh account signed up without a client address, for suites that need many users. */
export const account = (options: Omit<SignUpOptions, "ip"> = {}) =>
  signUp({ email: uniqueEmail("hardening"), ...options, ip: null });

export type UserOptions = {
  timezone?: string;
  displayName?: string;
  dayStartHour?: number;
  goals?: Partial<{
    calories: number | null;
    proteinG: number | null;
    carbsG: number | null;
    fatG: number | null;
  }>;
};

/** A fresh user (own email, own address), with the profile settings a test needs (Seoul unless told). */
export async function newUser(options: UserOptions = {}): Promise<Account> {
  const { timezone, displayName, ...rest } = options;
  const created = await signUp({ timezone: timezone ?? "Asia/Seoul", displayName });
  if (Object.keys(rest).length > 0) await updateProfile(created.accessToken, rest);
  return created;
}

/** PATCH /v1/users/me, insisting on 200. */
export async function updateProfile(token: string, patch: Record<string, unknown>) {
  const { status, body } = await callJson("/v1/users/me", { method: "PATCH", token, body: patch });
  if (status !== 200) throw new Error(`profile update failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** Logs in and insists on 200; returns the body and the Set-Cookie headers. */
export async function logIn(email: string, password: string, ip = uniqueIp()): Promise<Account> {
  const { status, body, response } = await callJson("/v1/auth/login", { ip, body: { email, password } });
  if (status !== 200) throw new Error(`login failed: ${status} ${JSON.stringify(body)}`);
  return { ...body, email, password, ip, cookies: response.headers.getSetCookie() };
}

export const getMe = (token: string) => callJson("/v1/users/me", { token, ip: uniqueIp() });
