// `tsx stack/cli.ts` — runs the stack until SIGINT/SIGTERM. Configured by env:
// DATABASE_URL, REDIS_URL, NEON_PORT, UPSTASH_PORT, OPENFOODFACTS_PORT, STACK_DELAY_MS, plus
// PGLITE_DATA_DIR, UPSTASH_TOKEN, STACK_HOST. Prints one line
// `STACK_READY {json}` for scripts that wait for it, logs go to stderr.

import { type StackOptions, startStack } from "./index.ts";

function numberFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return value;
}

const options: StackOptions = { log: (line) => process.stderr.write(`[stack] ${line}\n`) };
const strings = {
  databaseUrl: "DATABASE_URL",
  redisUrl: "REDIS_URL",
  pgliteDataDir: "PGLITE_DATA_DIR",
  upstashToken: "UPSTASH_TOKEN",
  host: "STACK_HOST",
} as const;
for (const [key, name] of Object.entries(strings) as Array<[keyof typeof strings, string]>) {
  const value = process.env[name];
  if (value) options[key] = value;
}
const numbers = {
  neonPort: "NEON_PORT",
  upstashPort: "UPSTASH_PORT",
  openFoodFactsPort: "OPENFOODFACTS_PORT",
  delayMs: "STACK_DELAY_MS",
} as const;
for (const [key, name] of Object.entries(numbers) as Array<[keyof typeof numbers, string]>) {
  const value = numberFromEnv(name);
  if (value !== undefined) options[key] = value;
}

const stack = await startStack(options);
const { stop, ...where } = stack;
process.stdout.write(`STACK_READY ${JSON.stringify(where)}\n`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (error: Error) => {
        process.stderr.write(`[stack] stop failed: ${error.message}\n`);
        process.exit(1);
      },
    );
  });
}
