import { type SQL, sql } from "drizzle-orm";

/**
 * Locks the rows of the users `ids` (a SQL expression of uuids) until the transaction ends, in id
 * order. Every writer of a user's data locks the user row first (services/writes.ts), and batches
 * of users are locked in this one order, so two batches never deadlock.
 */
export const lockUsers = (ids: SQL) => sql`select id from users where id in (${ids}) order by id for update`;
