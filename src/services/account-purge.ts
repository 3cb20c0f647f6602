import { sql } from "drizzle-orm";
import type { Chunk, JobServices } from "./challenge-jobs";

/**
 * The second half of an account's deletion (the first, users.ts deleteMe, answers at once and leaves
 * the account unusable and invisible, marked by `users.deleted_at`): the hourly job removes what the
 * account owned, oldest deletion first. Each chunk is one atomic round trip that deletes at most
 * `purgeRows` rows of each owning table (found by their user_id indexes), and the user row itself
 * once nothing of it is left (its cascade then has nothing to do). The state is the data itself: no
 * cursor, so a chunk cut short, a run stopped halfway or two runs at once leave nothing to repair.
 */
const OWNED: { table: string; key: string; owner?: string }[] = [
  { table: "meal_logs", key: "id" },
  // Custom foods (foods_owner_id_idx); past logs of other users never point at them (snapshots).
  { table: "foods", key: "id", owner: "owner_id" },
  // Each session takes its refresh tokens with it (cascade, by refresh_tokens_session_id_idx).
  { table: "sessions", key: "id" },
  { table: "idempotency_keys", key: "user_id, key" },
  { table: "write_events", key: "write_id, seq" },
  { table: "user_badges", key: "user_id, badge_code" },
  { table: "challenge_participants", key: "challenge_id, user_id" },
  { table: "write_quota", key: "user_id" },
];

/** The account the purge works on: the earliest deleted (users_deleted_at_idx). */
const TARGET = sql`(select id from users where deleted_at is not null order by deleted_at, id limit 1)`;

export function purgeDeletedAccounts(services: JobServices, limits: { purgeRows: number }) {
  const { db } = services;
  return async (): Promise<Chunk> => {
    const owned = OWNED.map(({ table, key, owner = "user_id" }) =>
      db.execute(sql`
        delete from ${sql.identifier(table)}
        where (${sql.raw(key)}) in (
          select ${sql.raw(key)} from ${sql.identifier(table)}
          where ${sql.identifier(owner)} = ${TARGET} limit ${limits.purgeRows})`),
    );
    const [first, ...rest] = owned;
    if (!first) return { items: 0, done: true };
    const results = await db.batch([
      first,
      ...rest,
      // Challenges the account created went with the deletion itself; these are the last of it.
      db.execute<{ remaining: boolean }>(sql`
        with gone as (
          delete from users u where u.id = ${TARGET}
            and ${sql.join(
              OWNED.map(
                ({ table, owner = "user_id" }) =>
                  sql`not exists (select 1 from ${sql.identifier(table)} where ${sql.identifier(owner)} = u.id)`,
              ),
              sql` and `,
            )}
            and not exists (select 1 from challenges where created_by = u.id)
          returning id
        )
        select exists (select 1 from users where deleted_at is not null and id not in (select id from gone)) as remaining`),
    ]);
    const last = results.at(-1) as { rows: { remaining: boolean }[] };
    const items = results
      .slice(0, -1)
      .reduce((sum, result) => sum + ((result as { rowCount?: number }).rowCount ?? 0), 0);
    return { items, done: last.rows[0]?.remaining !== true };
  };
}
