import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import "./test/provided-context.ts";

/**
 * The suites run inside workerd (the Workers runtime) and call the Worker as `exports.default.fetch`.
 * test/global-setup.ts starts the local edge stack first (real PostgreSQL/Redis when DATABASE_URL /
 * REDIS_URL are set, embedded PGlite / in-memory Redis otherwise) and provides its endpoints here.
 */
export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: "./wrangler.toml" },
      // workerd's --verbose prints "Uncaught (in promise) … Network connection lost" (five lines) for
      // every subrequest that fails at the network level, even when the Worker catches the rejection;
      // here those are the tests that point the Worker at a closed port or at the stack's `down` fault
      // on purpose. Without it, the Worker's own console output still reaches the test run.
      verbose: false,
      miniflare: {
        bindings: {
          // The Neon driver needs a well-formed URL; the local endpoint ignores its host and credentials.
          DATABASE_URL: "postgres://sikdan:sikdan@db.sikdan.localhost/sikdan",
          NEON_FETCH_ENDPOINT: inject("neonHttpUrl"),
          UPSTASH_REDIS_REST_URL: inject("upstashUrl"),
          UPSTASH_REDIS_REST_TOKEN: inject("upstashToken"),
          OPENFOODFACTS_URL: inject("openFoodFactsUrl"),
          JWT_SECRET: "test-only-secret-0123456789abcdef0123456789",
          LOG_LEVEL: "warn",
        },
      },
    })),
  ],
  test: {
    globalSetup: ["./test/global-setup.ts"],
    setupFiles: ["./test/setup.ts"],
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
