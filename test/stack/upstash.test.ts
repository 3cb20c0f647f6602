import { Redis } from "@upstash/redis/cloudflare";
import { describe, expect, inject, it } from "vitest";

// The local Upstash endpoint stands in for Upstash in dev and tests; tested with the production SDK
// and with raw REST calls.
const url = inject("upstashUrl");
const token = inject("upstashToken");
const redis = new Redis({ url, token, enableTelemetry: false });
const prefix = `stack-test:${crypto.randomUUID()}`;

const rest = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

describe("Upstash REST endpoint", () => {
  it("runs commands through the SDK, UTF-8 and JSON intact", async () => {
    await redis.set(`${prefix}:s`, "식단 🍚");
    expect(await redis.get(`${prefix}:s`)).toBe("식단 🍚");
    await redis.set(`${prefix}:j`, { meals: 3, tags: ["vegetable"] }, { ex: 60 });
    expect(await redis.get(`${prefix}:j`)).toEqual({ meals: 3, tags: ["vegetable"] });
    expect(await redis.incr(`${prefix}:n`)).toBe(1);
    await redis.zadd(`${prefix}:z`, { score: 2, member: "b" }, { score: 1, member: "a" });
    expect(await redis.zrange(`${prefix}:z`, 0, -1, { withScores: true })).toEqual(["a", 1, "b", 2]);
    expect(await redis.get(`${prefix}:missing`)).toBeNull();
  });

  it("encodes bulk strings as base64 when asked, OK and numbers as they are", async () => {
    const set = await rest("/", ["SET", `${prefix}:b`, "식단"], { "Upstash-Encoding": "base64" });
    expect(await set.json()).toEqual({ result: "OK" });
    const get = await rest("/", ["GET", `${prefix}:b`], { "Upstash-Encoding": "base64" });
    const { result } = (await get.json()) as { result: string };
    expect(new TextDecoder().decode(Uint8Array.from(atob(result), (c) => c.charCodeAt(0)))).toBe("식단");
    const incr = await rest("/", ["INCR", `${prefix}:bn`], { "Upstash-Encoding": "base64" });
    expect(await incr.json()).toEqual({ result: 1 });
  });

  it("runs a pipeline and a multi-exec", async () => {
    const pipeline = await rest("/pipeline", [
      ["SET", `${prefix}:p`, "1"],
      ["INCR", `${prefix}:p`],
      ["LPUSH", `${prefix}:p`, "wrong type"],
      ["GET", `${prefix}:p`],
    ]);
    const results = (await pipeline.json()) as { result?: unknown; error?: string }[];
    expect(results[0]).toEqual({ result: "OK" });
    expect(results[1]).toEqual({ result: 2 });
    // A failing command fails alone: the pipeline goes on (Redis says WRONGTYPE, the mock words it its way).
    expect(results[2]).toEqual({ error: expect.stringMatching(/^(WRONGTYPE|ERR)/) });
    expect(results[3]).toEqual({ result: "2" });

    const tx = redis.multi();
    tx.set(`${prefix}:m`, "a");
    tx.append(`${prefix}:m`, "b");
    tx.get(`${prefix}:m`);
    expect(await tx.exec()).toEqual(["OK", 2, "ab"]);
  });

  it("answers a bad command with 400 and {error}", async () => {
    const response = await rest("/", ["NOSUCHCOMMAND", "x"]);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/ERR/i);
  });

  it("refuses a wrong or missing token with 401", async () => {
    const wrong = await rest("/", ["PING"], { Authorization: "Bearer wrong" });
    expect(wrong.status).toBe(401);
    const missing = await fetch(`${url}/`, { method: "POST", body: JSON.stringify(["PING"]) });
    expect(missing.status).toBe(401);
  });
});
