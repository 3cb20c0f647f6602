import { env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { buildApp } from "../../src/app";
import { signUp } from "../helpers/factories";
import { freshBarcode } from "../helpers/foods";
import { expectProblem } from "../helpers/http";

const app = buildApp();
/** A Worker whose Upstash answers 503 to everything (the stack's scoped `error` fault). */
const withBrokenRedis = (token: string, path: string) =>
  app.request(
    `http://localhost${path}`,
    { headers: { Authorization: `Bearer ${token}` } },
    { ...env, UPSTASH_REDIS_REST_URL: `${inject("upstashUrl")}/__fault/error` },
  );

describe("barcode lookups while Redis fails", () => {
  it("still answer: found 200, unknown 404, never 500", async () => {
    const { accessToken } = await signUp();
    const found = await withBrokenRedis(accessToken, `/v1/foods/barcode/${freshBarcode()}`);
    expect(found.status).toBe(200);
    await expectProblem(
      await withBrokenRedis(accessToken, `/v1/foods/barcode/${freshBarcode("unknown")}`),
      404,
    );
  });
});
