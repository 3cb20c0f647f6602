import { defineConfig } from "drizzle-kit";

// drizzle-kit only generates SQL here; `npm run db:migrate` (scripts/migrate.ts) applies it.
export default defineConfig({
  dialect: "postgresql",
  schema: ["./src/db/schema.ts", "./src/db/session-tables.ts", "./src/db/challenge-tables.ts"],
  out: "./drizzle",
  casing: "snake_case",
});
