import * as z from "zod";
import type { ObjectStore } from "./lib/object-store";

/**
 * What the Worker receives in `env`: `[vars]` from wrangler.toml, secrets, and (locally only) the
 * endpoints of the local edge stack. Every value is a string; `loadConfig` turns them into `Config`.
 */
export type Bindings = {
  /** R2 bucket of meal photos (wrangler.toml `[[r2_buckets]]`); locally wrangler's own R2 on disk. */
  PHOTOS?: ObjectStore;
  DATABASE_URL?: string;
  /** Local edge stack only: where the Neon driver sends HTTP queries instead of Neon's own host. */
  NEON_FETCH_ENDPOINT?: string;
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  JWT_SECRET?: string;
  JWT_SECRET_PREVIOUS?: string;
  /** Key of the password salts (src/lib/password.ts saltFor); JWT_SECRET when unset. */
  PASSWORD_SALT_SECRET?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  CORS_ORIGINS?: string;
  RATE_LIMIT_LOGIN_FAILURES?: string;
  RATE_LIMIT_AUTH_PER_IP?: string;
  RATE_LIMIT_SIGNUPS_PER_IP?: string;
  RATE_LIMIT_WRITES_PER_USER?: string;
  RATE_LIMIT_PER_IP?: string;
  DB_TIMEOUT_MS?: string;
  CACHE_TIMEOUT_MS?: string;
  LOG_LEVEL?: string;
  /**
   * `on` (production): a signup without a time zone takes the edge's guess, `request.cf.timezone`.
   * `off` (every local launcher): `wrangler dev` hands the Worker a made-up `cf` object (Austin,
   * America/Chicago) that says nothing about the user, so the default zone applies instead.
   */
  EDGE_TIMEZONE_GUESS?: string;
  /** Base URL of Open Food Facts' read API (barcode lookups); locally the stack's stand-in. */
  OPENFOODFACTS_URL?: string;
  /** The static assets of public/ (wrangler.toml [assets]): the OpenAPI document. */
  ASSETS?: { fetch(input: URL | Request | string): Promise<Response> };
};

const utf8Length = (value: string) => new TextEncoder().encode(value).length;

const jwtSecret = z
  .string({ error: "is required" })
  .refine((value) => utf8Length(value) >= 32, "must be at least 32 bytes");

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const csv = z
  .string()
  .default("")
  .transform((value) =>
    value
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean),
  );

const configSchema = z
  .object({
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// URL" }),
    NEON_FETCH_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    UPSTASH_REDIS_REST_URL: z.url({ protocol: /^https?$/ }).optional(),
    UPSTASH_REDIS_REST_TOKEN: z.string().min(1).optional(),
    JWT_SECRET: jwtSecret,
    JWT_SECRET_PREVIOUS: jwtSecret.optional(),
    PASSWORD_SALT_SECRET: jwtSecret.optional(),
    JWT_ISSUER: z.string().min(1).default("sikdan"),
    JWT_AUDIENCE: z.string().min(1).default("sikdan-api"),
    CORS_ORIGINS: csv,
    RATE_LIMIT_LOGIN_FAILURES: positiveInt(10),
    RATE_LIMIT_AUTH_PER_IP: positiveInt(60),
    RATE_LIMIT_SIGNUPS_PER_IP: positiveInt(20),
    RATE_LIMIT_WRITES_PER_USER: positiveInt(120),
    RATE_LIMIT_PER_IP: z.enum(["on", "off"]).default("on"),
    DB_TIMEOUT_MS: positiveInt(2500),
    CACHE_TIMEOUT_MS: positiveInt(1000),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
    EDGE_TIMEZONE_GUESS: z.enum(["on", "off"]).default("on"),
    OPENFOODFACTS_URL: z.url({ protocol: /^https?$/ }).default("https://world.openfoodfacts.org"),
  })
  .refine((env) => Boolean(env.UPSTASH_REDIS_REST_URL) === Boolean(env.UPSTASH_REDIS_REST_TOKEN), {
    path: ["UPSTASH_REDIS_REST_TOKEN"],
    message: "UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be set together",
  });

type ParsedEnv = z.output<typeof configSchema>;

export type Config = {
  databaseUrl: string;
  neonFetchEndpoint: string | undefined;
  upstash: { url: string; token: string } | undefined;
  jwt: { secret: string; previousSecret: string | undefined; issuer: string; audience: string };
  /** The key password salts are derived from (PASSWORD_SALT_SECRET, else JWT_SECRET). */
  passwordSaltSecret: string;
  corsOrigins: readonly string[];
  rateLimits: {
    loginFailuresPerEmail: number;
    authPerIp: number;
    signupsPerIp: number;
    writesPerUser: number;
    perIpEnabled: boolean;
  };
  timeouts: { dbMs: number; cacheMs: number };
  logLevel: ParsedEnv["LOG_LEVEL"];
  /** Whether `request.cf.timezone` is a real guess (production) or a local placeholder. */
  edgeTimeZoneGuess: boolean;
  /** Open Food Facts' base URL, without a trailing slash. */
  openFoodFactsUrl: string;
};

/** Thrown when the deployment's settings are missing or wrong; its message names each one. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

// Bindings are one object per isolate, so parsing once per object parses once per isolate.
const parsed = new WeakMap<object, Config>();

/**
 * Validates the Worker's bindings once and returns the typed configuration.
 *
 * @example
 * const config = loadConfig(c.env); // throws ConfigError("DATABASE_URL is required; …")
 */
export function loadConfig(env: Bindings): Config {
  const cached = parsed.get(env);
  if (cached) return cached;
  const result = configSchema.safeParse(env);
  if (!result.success) throw new ConfigError(`Invalid configuration: ${problemsOf(result.error).join("; ")}`);
  const config = toConfig(result.data);
  parsed.set(env, config);
  return config;
}

const problemsOf = (error: z.ZodError) =>
  error.issues.map((issue) => {
    const name = issue.path.join(".");
    const missing = issue.code === "invalid_type" && issue.input === undefined;
    return missing ? `${name} is required` : `${name} ${issue.message}`;
  });

/**
 * Each problem of `env` as one line naming the setting (none when valid): what `npm run dev`
 * checks before it starts anything, with the very rules the Worker applies.
 */
export function configProblems(env: Bindings): string[] {
  const result = configSchema.safeParse(env);
  return result.success ? [] : problemsOf(result.error);
}

function toConfig(env: ParsedEnv): Config {
  return {
    databaseUrl: env.DATABASE_URL,
    neonFetchEndpoint: env.NEON_FETCH_ENDPOINT,
    upstash:
      env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN
        ? { url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN }
        : undefined,
    jwt: {
      secret: env.JWT_SECRET,
      previousSecret: env.JWT_SECRET_PREVIOUS,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
    },
    passwordSaltSecret: env.PASSWORD_SALT_SECRET ?? env.JWT_SECRET,
    corsOrigins: env.CORS_ORIGINS,
    rateLimits: {
      loginFailuresPerEmail: env.RATE_LIMIT_LOGIN_FAILURES,
      authPerIp: env.RATE_LIMIT_AUTH_PER_IP,
      signupsPerIp: env.RATE_LIMIT_SIGNUPS_PER_IP,
      writesPerUser: env.RATE_LIMIT_WRITES_PER_USER,
      perIpEnabled: env.RATE_LIMIT_PER_IP === "on",
    },
    timeouts: { dbMs: env.DB_TIMEOUT_MS, cacheMs: env.CACHE_TIMEOUT_MS },
    logLevel: env.LOG_LEVEL,
    edgeTimeZoneGuess: env.EDGE_TIMEZONE_GUESS === "on",
    openFoodFactsUrl: env.OPENFOODFACTS_URL.replace(/\/+$/, ""),
  };
}
