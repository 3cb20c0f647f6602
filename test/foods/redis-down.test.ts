import { describe, expect, inject, it } from "vitest";
import { freshBarcode } from "../helpers/foods";
import { call, expectProblem } from "../helpers/http";
import { signUp } from "../helpers/users";

/** A Worker whose Upstash answers 503 to everything (the stack's scoped `error` fault). */
const withBrokenRedis = (token: string, path: string) =>
  call(path, { token, bindings: { UPSTASH_REDIS_REST_URL: `${inject("upstashUrl")}/__fault/error` } });

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
