// `npm run db:migrate`: applies drizzle/ to DATABASE_URL (any PostgreSQL 15+, Neon included).
import { applyMigrations } from "./lib/migrate.ts";
import { describeDatabaseError } from "./lib/preflight.ts";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error(
    "DATABASE_URL is required, e.g. DATABASE_URL=postgres://user:pass@host/db npm run db:migrate",
  );
  process.exit(1);
}
const redacted = url.replace(/\/\/[^@]*@/, "//***@");
try {
  await applyMigrations(url);
} catch (err) {
  console.error(`migration failed: ${describeDatabaseError(err, url)}`);
  process.exit(1);
}
console.log(`migrations applied to ${redacted}`);
