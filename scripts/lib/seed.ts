import pg from "pg";

/**
 * Development seed data, applied after migrations on every `npm run dev`; idempotent. Built-in
 * badges and official challenges are not here: migrations seed those, in every environment.
 */
export async function seed(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("select 1");
  } finally {
    await client.end();
  }
}
