// Runs the day-sensitive suites and the browser suite as if it were another time of day in another
// machine zone: at each instant below the whole local stack's wall clock is moved there (an LD_PRELOAD
// shim, test/clock/shift-clock.c) and TZ is set to a zone far from UTC. Nothing may depend on the hour
// or on a calendar day computed in a zone other than the user's; this proves it at the edges that used
// to break (Seoul's midnight is 15:00 UTC; UTC's is 00:00). Embedded PostgreSQL and Redis: their clocks
// move with the shim, which a shared server's cannot.
//
//   npm run test:clock                         # every instant below
//   npm run test:clock -- 14:59 --no-browser   # one instant (UTC, today), suites only
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

/** Time of day (UTC, on today's date) and the machine zone to run with. */
const INSTANTS: { utc: string; tz: string; why: string }[] = [
  {
    utc: "00:30",
    tz: "Pacific/Kiritimati",
    why: "just after UTC midnight; the machine already on the next day (UTC+14)",
  },
  {
    utc: "14:59",
    tz: "America/Los_Angeles",
    why: "a minute before Seoul's midnight, which passes during the run",
  },
  { utc: "23:30", tz: "Asia/Seoul", why: "Seoul's morning, UTC's late evening: the two dates differ" },
];

/** The suites whose answers depend on days: logs and summaries, challenges, stats and streaks, badges. */
const SUITES = ["test/logs", "test/challenges", "test/users", "test/badges", "test/hardening/races.test.ts"];

const args = process.argv.slice(2);
const browser = !args.includes("--no-browser");
const only = args.filter((arg) => /^\d\d:\d\d$/.test(arg));
const instants =
  only.length > 0 ? only.map((utc) => ({ utc, tz: "Pacific/Kiritimati", why: "asked for" })) : INSTANTS;

const shim = buildShim();
const results: { label: string; ok: boolean }[] = [];
for (const instant of instants) {
  const target = Date.parse(`${new Date().toISOString().slice(0, 10)}T${instant.utc}:00Z`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LD_PRELOAD: shim,
    SHIFT_CLOCK_SECONDS: String(Math.round((target - Date.now()) / 1000)),
    TZ: instant.tz,
  };
  // The shared servers' clocks cannot move: the embedded ones can (see the header).
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  const label = `${instant.utc} UTC, TZ=${instant.tz}`;
  console.log(`\n==> ${label}: ${instant.why}`);
  results.push({ label: `${label}: suites`, ok: run(["npx", "vitest", "run", ...SUITES], env) });
  if (browser)
    results.push({
      label: `${label}: browser`,
      ok: run(["node", "--import", "tsx", "test/browser/run.ts"], env),
    });
}

console.log("\nClock-shifted runs:");
for (const result of results) console.log(`  ${result.ok ? "✓" : "✗"} ${result.label}`);
const failed = results.filter((result) => !result.ok).length;
console.log(`clock: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

function run([command, ...rest]: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(command as string, rest, { env, stdio: "inherit" }).status === 0;
}

function buildShim() {
  const dir = join(".data", "clock");
  mkdirSync(dir, { recursive: true });
  const out = join(dir, "shift-clock.so");
  try {
    execFileSync("cc", ["-O2", "-shared", "-fPIC", "-o", out, "test/clock/shift-clock.c"], {
      stdio: "inherit",
    });
  } catch {
    console.error("test:clock needs a C compiler (cc) to build test/clock/shift-clock.c");
    process.exit(1);
  }
  return join(process.cwd(), out);
}
