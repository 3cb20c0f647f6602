// The stack the test suites run against, in its own Node process (vitest's global setup spawns it:
// loading the stack inside vitest would resolve its packages for workerd, not Node). Starts the
// local edge stack (DATABASE_URL / REDIS_URL when set, else in-memory PGlite and Redis), applies the
// migrations, prints `STACK_READY {json}` and runs until SIGTERM.
import { startStack } from "../stack/index.ts";
import { applyMigrations } from "./lib/migrate.ts";

const stack = await startStack({
  databaseUrl: process.env.DATABASE_URL || undefined,
  redisUrl: process.env.REDIS_URL || undefined,
  pgliteDataDir: "memory://",
  log: (line) => process.stderr.write(`[stack] ${line}\n`),
});
try {
  await applyMigrations(stack.postgresUrl);
} catch (err) {
  await stack.stop();
  throw err;
}
const { stop, ...where } = stack;
process.stdout.write(`STACK_READY ${JSON.stringify(where)}\n`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
