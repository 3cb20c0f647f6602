// Run by `npm test` before vitest: with DATABASE_URL / REDIS_URL set, both must answer, else one
// line says what is wrong (instead of the runner's own puzzled output after a long wait).
import { checkServices } from "./lib/preflight.ts";

const problems = await checkServices();
if (problems.length > 0) {
  for (const problem of problems) console.error(`npm test: ${problem}`);
  process.exit(1);
}
