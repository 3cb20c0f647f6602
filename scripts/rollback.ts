// `npm run db:rollback`: reverts the newest migration applied to DATABASE_URL with its down script
// (drizzle/down/<tag>.sql); `npm run db:migrate` applies it again. For production, see README
// "Rolling back": restore data from a Neon branch, revert schema with these scripts.
import { describeDatabaseError } from "./lib/preflight.ts";
import { rollbackLast } from "./lib/rollback.ts";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error(
    "DATABASE_URL is required, e.g. DATABASE_URL=postgres://user:pass@host/db npm run db:rollback",
  );
  process.exit(1);
}
const redacted = url.replace(/\/\/[^@]*@/, "//***@");
try {
  const tag = await rollbackLast(url);
  console.log(
    tag
      ? `rolled back ${tag} on ${redacted}`
      : `no migration is applied to ${redacted}: nothing to roll back`,
  );
} catch (err) {
  console.error(`rollback failed: ${describeDatabaseError(err, url)}`);
  process.exit(1);
}
