// `npm run db:migrate`: applies drizzle/ to DATABASE_URL (any PostgreSQL 15+, Neon included).
import { applyMigrations } from "./lib/migrate";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error(
    "DATABASE_URL is required, e.g. DATABASE_URL=postgres://user:pass@host/db npm run db:migrate",
  );
  process.exit(1);
}
const redacted = url.replace(/\/\/[^@]*@/, "//***@");
await applyMigrations(url);
console.log(`migrations applied to ${redacted}`);
