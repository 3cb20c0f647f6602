import { Redis } from "@upstash/redis/cloudflare";
import { describe, expect, inject, it } from "vitest";

// Upstash's production rules that the local endpoint enforces (cited in stack/README.md).
const url = inject("upstashUrl");
const token = inject("upstashToken");
const redis = new Redis({ url, token, enableTelemetry: false, automaticDeserialization: false });
const prefix = `stack-rules:${crypto.randomUUID()}`;

const rest = (path: string, body: unknown) =>
  fetch(`${url}${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

const KEY_LOCKING = "#!lua flags=allow-key-locking\n";

describe("Upstash rules: scripts flagged allow-key-locking", () => {
  it("runs a script that touches only the keys it declared", async () => {
    const script = `${KEY_LOCKING}redis.call('SET', KEYS[1], ARGV[1])\nreturn redis.call('GET', KEYS[1])`;
    expect(await redis.eval(script, [`${prefix}:declared`], ["v"])).toBe("v");
  });

  it("refuses a key built inside the script", async () => {
    const script = `${KEY_LOCKING}return redis.call('GET', KEYS[1] .. ARGV[1])`;
    await expect(redis.eval(script, [`${prefix}:base`], [":dynamic"])).rejects.toThrow(
      /not declared in KEYS/,
    );
    // Without the flag Upstash takes the global lock instead, and the same script runs.
    expect(await redis.eval(script.slice(KEY_LOCKING.length), [`${prefix}:base`], [":dynamic"])).toBeNull();
  });
});

describe("Upstash rules: transactions and sizes", () => {
  it("answers a discarded multi-exec with one error and runs none of it", async () => {
    const response = await rest("/multi-exec", [
      ["SET", `${prefix}:tx`, "1"],
      ["NO-SUCH-COMMAND", `${prefix}:tx`],
    ]);
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body).toEqual({ error: expect.stringMatching(/^EXECABORT/) });
    expect(await redis.get(`${prefix}:tx`)).toBeNull();
  });

  it("refuses a key name over 32 KB and a request over 10 MB", async () => {
    const longKey = `${prefix}:${"k".repeat(32_001)}`;
    await expect(redis.set(longKey, "v")).rejects.toThrow(/max key size exceeded/);
    const big = await rest("/", ["SET", `${prefix}:big`, "x".repeat(10_000_001)]);
    expect(big.status).toBe(400);
    expect(await big.json()).toEqual({ error: expect.stringContaining("max request size exceeded") });
    expect(await redis.get(`${prefix}:big`)).toBeNull();
  });
});
