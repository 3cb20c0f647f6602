// The dataset of `npm run bench:scale`, generated inside PostgreSQL (generate_series, INSERT … SELECT):
// no row crosses the network. Big tables are loaded without their secondary indexes and foreign
// keys, which are then rebuilt from their own definitions (pg_get_indexdef / pg_get_constraintdef), so
// the schema measured is exactly the migrated one.
import type pg from "pg";
import { generateChallenges, type Progress, step } from "./scale-challenges.ts";

export { resetForReuse } from "./scale-challenges.ts";

/** Sizes of one run. `full` is the issue's production size; `smoke` keeps CI's check of the script fast. */
export type Scale = {
  users: number;
  /** Users with 6,000 logs (about 5.5 a day for three years, tagged). */
  heavy: number;
  /** Users with two logs every day for three years (an unbroken streak). */
  threeYear: number;
  /** Users with 80 logs over the last 120 days. */
  regular: number;
  /** Everyone else: a third with no log, the rest 1–5 logs over the last 30 days. */
  challenges: number;
  /** Participants of the one big official challenge. */
  bigChallenge: number;
  /** Participants of each other challenge (at most). */
  perChallenge: number;
  /** Sessions already expired beyond the purge's grace (plus one live session per user). */
  expiredSessions: number;
  idempotencyKeys: number;
  /** Foods in all (scale-foods.ts): Open Food Facts products, and custom foods of `foodOwners` users. */
  foods: number;
  foodOwners: number;
  foodsPerOwner: number;
};

export const SCALES: Record<"full" | "smoke", Scale> = {
  full: {
    users: 1_000_000,
    heavy: 200,
    threeYear: 1_800,
    regular: 50_000,
    challenges: 240,
    bigChallenge: 100_000,
    perChallenge: 400,
    expiredSessions: 1_000_000,
    idempotencyKeys: 400_000,
    foods: 1_000_000,
    foodOwners: 2_000,
    foodsPerOwner: 30,
  },
  smoke: {
    users: 3_000,
    heavy: 3,
    threeYear: 5,
    regular: 100,
    challenges: 220,
    bigChallenge: 1_000,
    perChallenge: 20,
    expiredSessions: 3_000,
    idempotencyKeys: 2_000,
    foods: 20_000,
    foodOwners: 8,
    foodsPerOwner: 30,
  },
};

/** The password of every generated user (its PBKDF2 hash is computed once, by the Worker's code). */
export const BENCH_PASSWORD = "bench-password-1";
/** The big official challenge's id (fixed, so the statements can name it). */
export const BIG_CHALLENGE_ID = "5ca1e000-0000-7000-8000-000000000100";
/** The calorie-cap challenge the hourly job recomputes (open, 20% of the big one's size). */
export const CAP_CHALLENGE_ID = "5ca1e000-0000-7000-8000-000000000101";

const ZONES = [
  "Asia/Seoul",
  "Asia/Tokyo",
  "America/New_York",
  "America/Los_Angeles",
  "Europe/Berlin",
  "Europe/London",
  "Australia/Sydney",
  "Asia/Kolkata",
  "America/Sao_Paulo",
  "Pacific/Auckland",
  "UTC",
  "America/St_Johns",
];

/** The tables loaded in bulk, whose secondary indexes and foreign keys are rebuilt afterwards. */
const BULK_TABLES = [
  "users",
  "meal_logs",
  "sessions",
  "refresh_tokens",
  "challenge_participants",
  "user_badges",
  "idempotency_keys",
  "write_events",
];

/** Empties the schema's data tables (keeps the migrations' reference rows: badges, official challenges). */
async function clear(client: pg.Client) {
  await client.query(`
    truncate users, meal_logs, sessions, refresh_tokens, challenge_participants, user_badges,
             idempotency_keys, write_events, write_quota, login_failures, job_cursors cascade`);
  await client.query(`delete from challenges where official = false or id::text like '5ca1e000-%'`);
  // TRUNCATE fires no delete trigger: the participant and rank counts go with it.
  await client.query(`truncate challenge_participant_counts, challenge_rank_counts`);
  await client.query(`drop table if exists bench_user_tiers`);
}

/**
 * Drops the bulk tables' secondary indexes and foreign keys; returns the statements that restore them.
 * The statements are kept in a table first, so a run stopped before the restore is repaired by the next.
 */
async function dropSecondary(client: pg.Client): Promise<string[]> {
  await client.query(
    `create table if not exists bench_restore (seq serial primary key, kind text, name text, statement text)`,
  );
  const kept = await client.query<{ kind: string; name: string; statement: string }>(
    `select kind, name, statement from bench_restore order by seq`,
  );
  if (kept.rows.length === 0) {
    await client.query(
      `insert into bench_restore (kind, name, statement)
       select 'index', i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
       from pg_index i join pg_class t on t.oid = i.indrelid
       where t.relname = any($1) and t.relnamespace = 'public'::regnamespace
         and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)
       union all
       select 'fk', c.conrelid::regclass::text || ' ' || c.conname,
              'alter table ' || c.conrelid::regclass::text || ' add constraint "' || c.conname || '" ' || pg_get_constraintdef(c.oid)
       from pg_constraint c join pg_class t on t.oid = c.conrelid
       where c.contype = 'f' and t.relname = any($1) and t.relnamespace = 'public'::regnamespace`,
      [BULK_TABLES],
    );
  }
  const { rows } = await client.query<{ kind: string; name: string; statement: string }>(
    `select kind, name, statement from bench_restore order by kind desc, seq`,
  );
  for (const row of rows) {
    if (row.kind === "fk") {
      const [table, name] = row.name.split(" ");
      await client.query(`alter table ${table} drop constraint if exists "${name}"`);
    }
  }
  for (const row of rows) if (row.kind === "index") await client.query(`drop index if exists ${row.name}`);
  // Indexes first (the foreign keys' checks use them), then the keys.
  return [...rows.filter((row) => row.kind === "index"), ...rows.filter((row) => row.kind === "fk")].map(
    (row) => row.statement,
  );
}

export async function generateDataset(
  client: pg.Client,
  scale: Scale,
  passwordHash: string,
  progress: Progress,
): Promise<number> {
  const started = performance.now();
  await client.query(
    `set maintenance_work_mem = '1GB'; set work_mem = '256MB'; set synchronous_commit = off`,
  );
  await clear(client);
  // Ids shaped as the Worker's (UUIDv7: version 7, RFC variant), from a hash of a name: reproducible.
  await client.query(`
    create or replace function bench_uuid(name text) returns uuid language sql immutable as $$
      select (substr(h, 1, 12) || '7' || substr(h, 14, 3) || '8' || substr(h, 18))::uuid from md5(name) h
    $$`);
  const restore = await dropSecondary(client);
  progress(`cleared; ${restore.length} secondary indexes and foreign keys dropped for the load`);
  const heavyEnd = scale.heavy;
  const threeYearEnd = heavyEnd + scale.threeYear;
  const regularEnd = threeYearEnd + scale.regular;
  // One row per user: its tier (how many logs over how many days). Kept after the load: the
  // statements pick their users from it.
  await step(
    client,
    progress,
    "user tiers",
    `create table bench_user_tiers as
     select n, bench_uuid('user' || n) as id,
            (array[${ZONES.map((zone) => `'${zone}'`).join(",")}])[1 + n % ${ZONES.length}] as timezone,
            case when n <= ${heavyEnd} then 'heavy' when n <= ${threeYearEnd} then 'three_year'
                 when n <= ${regularEnd} then 'regular' else 'light' end as tier,
            case when n <= ${heavyEnd} then 6000 when n <= ${threeYearEnd} then 2190
                 when n <= ${regularEnd} then 80 when n % 3 = 0 then 0 else 1 + n % 5 end as log_count,
            case when n <= ${threeYearEnd} then 1095 when n <= ${regularEnd} then 120 else 30 end as span_days
     from generate_series(1, ${scale.users}) n`,
  );
  await client.query(
    `alter table bench_user_tiers add primary key (n); create index on bench_user_tiers (tier, n)`,
  );
  await step(
    client,
    progress,
    "users",
    `insert into users (id, email, display_name, timezone, day_start_hour, goal_calories, password_hash,
                        created_at, updated_at)
     select id, 'user' || n || '@bench.sikdan.test', 'Player ' || n, timezone, n % 7,
            case when n % 4 = 0 then null else 1500 + (n % 10) * 100 end, $1,
            now() - make_interval(days => 1100) + make_interval(secs => n), now()
     from bench_user_tiers`,
    [passwordHash],
  );
  // Logs, a slice of users at a time (progress, and no single transaction of 10M rows). A log's
  // local day is chosen, then its instant is that day's wall-clock hour in the user's zone (07:00 to
  // 22:00, after any day start), so local_date is what local_day() would compute.
  const slices = [1, heavyEnd + 1, threeYearEnd + 1, regularEnd + 1];
  for (let n = regularEnd + 1 + 200_000; n <= scale.users; n += 200_000) slices.push(n);
  slices.push(scale.users + 1);
  for (const [index, from] of slices.slice(0, -1).entries()) {
    const to = (slices[index + 1] ?? scale.users + 1) - 1;
    if (to < from) continue;
    await step(
      client,
      progress,
      `logs of users ${from}..${to}`,
      `insert into meal_logs (id, user_id, meal_type, eaten_at, local_date, title, note, calories,
                              protein_g, carbs_g, fat_g, tags, created_at, updated_at)
       select bench_uuid(t.n || ':' || g.i), t.id,
              (array['breakfast','snack','lunch','snack','dinner','snack'])[1 + g.i % 6],
              (d.day + make_interval(hours => 7 + (g.i % 6) * 3, mins => g.i % 60)) at time zone t.timezone,
              d.day, 'Meal ' || g.i, case when g.i % 10 = 0 then 'with friends' end,
              150 + (g.i * 37 + t.n) % 700, (g.i % 40) + 5, (g.i % 90) + 10, (g.i % 30) + 3,
              case when t.tier = 'heavy' then
                     case g.i % 5 when 0 then array['vegetable'] when 1 then array['protein','homemade']
                       when 2 then array['vegetable','spicy'] when 3 then array['dessert'] else array[]::text[] end
                   when g.i % 4 = 0 then array['vegetable'] else array[]::text[] end,
              d.day + interval '23 hours', d.day + interval '23 hours'
       from bench_user_tiers t
       cross join lateral generate_series(1, t.log_count) g(i)
       cross join lateral (select current_date - 1 - ((g.i - 1) * t.span_days / t.log_count) as day) d
       where t.n between ${from} and ${to} and t.log_count > 0`,
    );
  }
  // One live session per user (with its current refresh token), and many long expired or revoked.
  await step(
    client,
    progress,
    "sessions (live)",
    `insert into sessions (id, user_id, created_at, expires_at)
     select bench_uuid('session' || n), id, now() - interval '1 day', now() + interval '29 days' from bench_user_tiers`,
  );
  await step(
    client,
    progress,
    "sessions (expired / revoked)",
    `insert into sessions (id, user_id, created_at, expires_at, revoked_at, revoked_reason)
     select bench_uuid('old-session' || k), t.id, now() - interval '60 days', now() - interval '30 days',
            case when k % 10 = 0 then now() - interval '40 days' end, case when k % 10 = 0 then 'logout' end
     from generate_series(1, ${scale.expiredSessions}) k
     join bench_user_tiers t on t.n = 1 + (k::bigint * 7919) % ${scale.users}`,
  );
  await step(
    client,
    progress,
    "refresh tokens",
    `insert into refresh_tokens (token_hash, session_id, created_at, rotated_at)
     select encode(sha256(s.id::text::bytea), 'hex'), s.id, s.created_at,
            case when s.expires_at < now() then s.created_at + interval '1 hour' end
     from sessions s`,
  );
  await generateChallenges(client, scale, progress);
  await step(
    client,
    progress,
    "user badges",
    `insert into user_badges (user_id, badge_code, earned_at)
     select t.id, b.code, now() - interval '30 days'
     from bench_user_tiers t
     join lateral (values ('first_log', 1), ('logs_100', 100), ('streak_3', 3), ('streak_7', 7), ('streak_30', 30))
          b(code, needs) on t.log_count >= b.needs`,
  );
  await step(
    client,
    progress,
    "idempotency keys (half expired)",
    `insert into idempotency_keys (user_id, key, request_hash, response_status, response_body, created_at, expires_at)
     select t.id, 'key-' || k, md5(k::text), 201, jsonb_build_object('log', jsonb_build_object('id', bench_uuid(k::text))),
            now() - make_interval(hours => k % 48), now() - make_interval(hours => k % 48) + interval '24 hours'
     from generate_series(1, ${scale.idempotencyKeys}) k
     join bench_user_tiers t on t.n = 1 + (k::bigint * 104729) % ${scale.users}`,
  );
  await step(
    client,
    progress,
    "write events (old) and login failures (stale)",
    `with events as (
       insert into write_events (write_id, seq, user_id, payload, created_at)
       select bench_uuid('write' || k), 1, t.id, '{"type":"noop"}'::jsonb, now() - interval '2 days'
       from generate_series(1, ${Math.round(scale.idempotencyKeys / 2)}) k
       join bench_user_tiers t on t.n = 1 + (k::bigint * 15485863) % ${scale.users}
       returning 1
     )
     insert into login_failures (email_key, attempts)
     select 'someone' || k || '@bench.sikdan.test', array[now() - interval '2 hours']
     from generate_series(1, ${Math.round(scale.idempotencyKeys / 10)}) k`,
  );
  for (const statement of restore) {
    const label = statement.length > 90 ? `${statement.slice(0, 90)}…` : statement;
    await step(client, progress, `restore: ${label}`, statement);
  }
  await client.query("delete from bench_restore");
  await step(client, progress, "vacuum analyze", "vacuum analyze");
  return (performance.now() - started) / 1000;
}
