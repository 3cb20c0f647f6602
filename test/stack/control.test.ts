import { neon, neonConfig } from "@neondatabase/serverless";
import { Redis } from "@upstash/redis/cloudflare";
import { describe, expect, inject, it } from "vitest";

// The benchmark's numbers are these counters: they must count exactly one per HTTP round trip.
// A per-test tag (a /__tag/<tag> path prefix) keeps other suites' traffic out of the count.
const neonBase = inject("neonHttpUrl").replace(/\/sql$/, "");
const upstashUrl = inject("upstashUrl");
const token = inject("upstashToken");

async function stats(controlUrl: string, tag: string) {
  const response = await fetch(`${controlUrl}/stats?tag=${tag}`);
  return (await response.json()) as Record<string, number>;
}

describe("round-trip counters", () => {
  it("count one Neon round trip per query and one per batch, whatever its size", async () => {
    const tag = `neon-${crypto.randomUUID()}`;
    neonConfig.fetchEndpoint = `${neonBase}/__tag/${tag}/sql`;
    const sql = neon("postgres://sikdan:sikdan@db.sikdan.localhost/sikdan");
    await sql.query("select 1");
    await sql.query("select 2");
    await sql.transaction([sql.query("select 1"), sql.query("select 2"), sql.query("select 3")]);
    expect((await stats(inject("neonControlUrl"), tag)).httpRequests).toBe(3);
  });

  it("count one Upstash round trip per request, a pipeline of many commands included", async () => {
    const tag = `upstash-${crypto.randomUUID()}`;
    const redis = new Redis({ url: `${upstashUrl}/__tag/${tag}`, token, enableTelemetry: false });
    await redis.set(`${tag}:a`, "1");
    const pipeline = redis.pipeline();
    for (let i = 0; i < 10; i++) pipeline.incr(`${tag}:n`);
    await pipeline.exec();
    expect((await stats(inject("upstashControlUrl"), tag)).requests).toBe(2);
  });

  it("counts nothing under a tag nobody used", async () => {
    expect((await stats(inject("neonControlUrl"), "never-used")).httpRequests).toBe(0);
  });
});
