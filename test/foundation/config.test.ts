import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config";

const valid = {
  DATABASE_URL: "postgres://u:p@host/db",
  JWT_SECRET: "x".repeat(32),
};

describe("loadConfig", () => {
  it("applies defaults", () => {
    const config = loadConfig({ ...valid });
    expect(config.upstash).toBeUndefined();
    expect(config.rateLimits).toEqual({
      loginFailuresPerEmail: 10,
      authPerIp: 60,
      signupsPerIp: 20,
      writesPerUser: 120,
      perIpEnabled: true,
    });
    expect(config.corsOrigins).toEqual([]);
    expect(config.edgeTimeZoneGuess).toBe(true);
  });

  it("parses lists and numbers", () => {
    const config = loadConfig({
      ...valid,
      CORS_ORIGINS: " https://a.example, http://localhost:3000 ,",
      RATE_LIMIT_PER_IP: "off",
      RATE_LIMIT_WRITES_PER_USER: "5",
      UPSTASH_REDIS_REST_URL: "https://r.example",
      UPSTASH_REDIS_REST_TOKEN: "t",
    });
    expect(config.corsOrigins).toEqual(["https://a.example", "http://localhost:3000"]);
    expect(config.rateLimits.perIpEnabled).toBe(false);
    expect(config.rateLimits.writesPerUser).toBe(5);
    expect(config.upstash).toEqual({ url: "https://r.example", token: "t" });
  });

  it("names every missing or invalid setting", () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
    expect(() => loadConfig({})).toThrow(/DATABASE_URL is required.*JWT_SECRET is required/);
    expect(() => loadConfig({ ...valid, JWT_SECRET: "short" })).toThrow(
      /JWT_SECRET must be at least 32 bytes/,
    );
    expect(() => loadConfig({ ...valid, DATABASE_URL: "mysql://x" })).toThrow(
      /DATABASE_URL must be a postgres/,
    );
    expect(() => loadConfig({ ...valid, UPSTASH_REDIS_REST_URL: "https://r.example" })).toThrow(
      /UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be set together/,
    );
    expect(() => loadConfig({ ...valid, RATE_LIMIT_PER_IP: "maybe" })).toThrow(/RATE_LIMIT_PER_IP/);
    expect(() => loadConfig({ ...valid, EDGE_TIMEZONE_GUESS: "yes" })).toThrow(/EDGE_TIMEZONE_GUESS/);
    expect(loadConfig({ ...valid, EDGE_TIMEZONE_GUESS: "off" }).edgeTimeZoneGuess).toBe(false);
  });

  it("parses each bindings object once", () => {
    const bindings = { ...valid };
    expect(loadConfig(bindings)).toBe(loadConfig(bindings));
  });
});
