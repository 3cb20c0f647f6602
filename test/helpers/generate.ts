import { sql } from "./db";

/**
 * Data at scale, generated inside PostgreSQL in one statement each (generate_series), through the
 * local Neon endpoint: what would take minutes through the API (a signup costs a PBKDF2) takes
 * milliseconds. Generated users cannot sign in (their password hash matches nothing); every row
 * is unique to the calling test.
 */

/** `count` users named `<label> <n>` (n from 1); their ids in n order. */
export async function generateUsers(count: number, label: string): Promise<string[]> {
  const rows = await sql<{ id: string; display_name: string }>(
    `insert into users (id, email, display_name, timezone, password_hash)
     select gen_random_uuid(), $2 || '-' || n || '-' || gen_random_uuid() || '@example.com', $2 || ' ' || n, 'UTC',
            'pbkdf2-sha256$1$AA==$AA=='
     from generate_series(1, $1::int) n
     returning id, display_name`,
    [count, label],
  );
  const order = (row: { display_name: string }) => Number(row.display_name.split(" ").at(-1));
  return rows.sort((a, b) => order(a) - order(b)).map((row) => row.id);
}

/**
 * Makes `userIds` participants of `challengeId`, joined one second apart in the order given (from
 * `joinedFrom`), with the challenge's own window. Every `completeEvery`-th one completed, a
 * millisecond apart in reverse order, and `current` spread over 0..49 for the others: a ranking
 * where every key matters.
 */
export async function generateParticipants(
  challengeId: string,
  userIds: string[],
  { completeEvery = 10, target = 50 }: { completeEvery?: number; target?: number } = {},
) {
  await sql(
    `insert into challenge_participants
       (challenge_id, user_id, joined_at, window_start, window_end, current, completed_at)
     select c.id, u.id, now() - interval '1 day' + u.n * interval '1 second',
            (c.starts_at at time zone 'UTC')::date, (c.ends_at at time zone 'UTC')::date,
            case when u.n % $3 = 0 then $4 else (u.n * 7919) % $4 end,
            case when u.n % $3 = 0 then now() - interval '1 hour' - u.n * interval '1 millisecond' end
     from challenges c, unnest($2::uuid[]) with ordinality as u(id, n)
     where c.id = $1`,
    [challengeId, userIds, completeEvery, target],
  );
}

/** `perUser(n)` logs (n from 1, in `userIds` order) on consecutive past UTC days ending yesterday. */
export async function generateDailyLogs(userIds: string[], perUser: (n: number) => number) {
  const counts = userIds.map((_, index) => perUser(index + 1));
  await sql(
    `insert into meal_logs (id, user_id, meal_type, eaten_at, local_date, title)
     select gen_random_uuid(), u.id, 'lunch', (current_date - d) + time '12:00', current_date - d, 'Generated'
     from unnest($1::uuid[], $2::int[]) as u(id, logs), generate_series(1, u.logs) d`,
    [userIds, counts],
  );
}

/**
 * `count` logs of the largest size the API accepts (4-byte characters in every text field) for
 * `userId`, eaten one minute apart going back from now. Returns the bytes of their JSON.
 */
export async function generateMaximalLogs(userId: string, count: number): Promise<number> {
  await sql(
    `insert into meal_logs (id, user_id, meal_type, eaten_at, local_date, title, note, photo_url,
                            calories, protein_g, carbs_g, fat_g, tags)
     select gen_random_uuid(), $1, 'dinner', now() - n * interval '1 minute', current_date, repeat('🍚', 200),
            repeat('😀', 2000), 'https://photos.example.com/' || repeat('p', 2021), 10000, 99999.99, 99999.99,
            99999.99, array(select repeat('🥗', 31) || t from generate_series(0, 9) t)
     from generate_series(1, $2::int) n`,
    [userId, count],
  );
  const [row] = await sql<{ bytes: string }>(
    "select sum(octet_length(meal_log_json(m)::text))::text as bytes from meal_logs m where user_id = $1",
    [userId],
  );
  return Number(row?.bytes ?? 0);
}
