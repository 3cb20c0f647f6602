// The dataset of `npm run bench:scale`, generated inside PostgreSQL (generate_series, INSERT … SELECT):
// no row crosses the network. Big tables are loaded without their secondary indexes and foreign
// keys, which are then rebuilt from their own definitions (pg_get_indexdef / pg_get_constraintdef), so
// the schema measured is exactly the migrated one.
import type pg from "pg";

/**
 * Puts back what a previous run's background work consumed, for `--reuse`: the big challenge open
 * again (unranked), no job cursors, and the expired sessions (with refresh tokens) the purge removed.
 */
export async function resetForReuse(client: pg.Client, scale: Scale, progress: Progress) {
  await client.query(
    `update challenges set closed_at = null, ends_at = now() + interval '5 days' where id = '${BIG_CHALLENGE_ID}';
     update challenge_participants set final_rank = null where challenge_id = '${BIG_CHALLENGE_ID}' and final_rank is not null;
     delete from job_cursors;`,
  );
  await step(
    client,
    progress,
    "expired sessions put back",
    `with old as (
       insert into sessions (id, user_id, created_at, expires_at, revoked_at, revoked_reason)
       select bench_uuid('old-session' || k), t.id, now() - interval '60 days', now() - interval '30 days',
              case when k % 10 = 0 then now() - interval '40 days' end, case when k % 10 = 0 then 'logout' end
       from generate_series(1, ${scale.expiredSessions}) k
       join bench_user_tiers t on t.n = 1 + (k::bigint * 7919) % ${scale.users}
       join users u on u.id = t.id
       on conflict do nothing
       returning id, created_at
     )
     insert into refresh_tokens (token_hash, session_id, created_at, rotated_at)
     select encode(sha256(id::text::bytea), 'hex'), id, created_at, created_at + interval '1 hour' from old`,
  );
}

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

type Progress = (line: string) => void;

async function step(
  client: pg.Client,
  progress: Progress,
  label: string,
  text: string,
  values: unknown[] = [],
) {
  const started = performance.now();
  const result = await client.query(text, values);
  progress(`${label}: ${result.rowCount ?? 0} rows, ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Empties the schema's data tables (keeps the migrations' reference rows: badges, official challenges). */
async function clear(client: pg.Client) {
  await client.query(`
    truncate users, meal_logs, sessions, refresh_tokens, challenge_participants, user_badges,
             idempotency_keys, write_events, write_quota, login_failures, job_cursors cascade`);
  await client.query(`delete from challenges where official = false or id::text like '5ca1e000-%'`);
  // TRUNCATE fires no delete trigger: the seeded challenges' participant counts start again at 0.
  await client.query(`update challenges set participant_count = 0`);
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

/**
 * ≥ 200 challenges of every rule type (official and user-made; ended, active, upcoming), the big
 * official one, and the participations: the big one's 100,000 players, a calorie cap with a fifth
 * of that, a few hundred in each other challenge, and every heavy / three-year user in 5 open ones.
 */
async function generateChallenges(client: pg.Client, scale: Scale, progress: Progress) {
  await step(
    client,
    progress,
    "challenges",
    `insert into challenges (id, title, description, rule, starts_at, ends_at, duration_days, official, created_by,
                             created_at, updated_at)
     select ('5ca1e000-0000-7000-8000-' || lpad(to_hex(k), 12, '0'))::uuid, 'Challenge ' || k, 'Generated.',
            case k % 5
              when 0 then jsonb_build_object('type', 'log_days', 'target', 10 + k % 20)
              when 1 then jsonb_build_object('type', 'streak_days', 'target', 5 + k % 10)
              when 2 then jsonb_build_object('type', 'meal_count', 'target', 20 + k % 30, 'mealType', 'breakfast')
              when 3 then jsonb_build_object('type', 'tag_count', 'target', 5 + k % 10, 'tag', 'vegetable')
              else jsonb_build_object('type', 'calorie_cap_days', 'target', 5 + k % 5, 'maxCalories', 1800)
            end,
            case k % 3 when 0 then now() - interval '90 days' when 1 then now() - interval '20 days'
                       else now() + interval '10 days' end,
            case k % 3 when 0 then now() - interval '30 days' else now() + interval '60 days' end,
            case when k % 2 = 0 then 30 end, k % 7 = 0,
            case when k % 7 <> 0 then bench_uuid('user' || (1 + (k::bigint * 31) % ${scale.users})) end,
            now() - interval '100 days', now() - interval '100 days'
     from generate_series(1, ${scale.challenges}) k
     union all
     select '${BIG_CHALLENGE_ID}'::uuid, 'The big month', 'Log on 20 days this month.',
            '{"type": "log_days", "target": 20}', now() - interval '25 days', now() + interval '5 days', null, true, null,
            now() - interval '30 days', now() - interval '30 days'
     union all
     select '${CAP_CHALLENGE_ID}'::uuid, 'Light month', 'Ten days under 1,800 kcal.',
            '{"type": "calorie_cap_days", "target": 10, "maxCalories": 1800}', now() - interval '25 days',
            now() + interval '5 days', null, true, null, now() - interval '30 days', now() - interval '30 days'`,
  );
  // The closed ones (ended more than a month ago) are already closed, with final ranks below.
  await client.query(
    `update challenges set closed_at = ends_at + interval '1 hour' where id::text like '5ca1e000-%' and ends_at < now() - interval '7 days'`,
  );
  const window = `local_day(c.starts_at, t.timezone, 0), case when c.ends_at is null then null else local_day(c.ends_at, t.timezone, 0) end`;
  await step(
    client,
    progress,
    "participants (big challenge, calorie cap)",
    `insert into challenge_participants (challenge_id, user_id, joined_at, window_start, window_end, current, completed_at)
     select c.id, t.id, c.starts_at + make_interval(secs => t.n % 86400), ${window},
            least(t.log_count, 25) % 21, case when t.log_count >= 20 and t.n % 2 = 0 then c.starts_at + make_interval(days => 20, secs => t.n) end
     from challenges c join bench_user_tiers t
       on (c.id = '${BIG_CHALLENGE_ID}' and t.n % ${Math.max(1, Math.floor(scale.users / scale.bigChallenge))} = 0
           and t.n <= ${scale.bigChallenge} * ${Math.max(1, Math.floor(scale.users / scale.bigChallenge))})
       or (c.id = '${CAP_CHALLENGE_ID}' and t.n % ${Math.max(1, Math.floor((5 * scale.users) / scale.bigChallenge))} = 1)`,
  );
  await step(
    client,
    progress,
    "participants (other challenges; heavy and three-year users in 5 open ones each)",
    `insert into challenge_participants (challenge_id, user_id, joined_at, window_start, window_end, current, completed_at, final_rank)
     select c.id, t.id, c.starts_at, ${window}, 0, null::timestamptz, null::int
     from challenges c
     cross join lateral generate_series(1, ${scale.perChallenge}) j
     join bench_user_tiers t on t.n = 1 + ((('x' || substr(c.id::text, 25, 12))::bit(48)::bigint) * 7 + j * 2503) % ${scale.users}
     where c.id::text like '5ca1e000-0000-7000-8000-0000000%' and c.starts_at <= now()
       and c.id not in ('${BIG_CHALLENGE_ID}', '${CAP_CHALLENGE_ID}')
     union
     select c.id, t.id, now() - interval '10 days', ${window}, 0, null::timestamptz, null::int
     from bench_user_tiers t
     cross join lateral (
       select c.* from challenges c
       where c.closed_at is null and c.starts_at <= now() and c.id::text like '5ca1e000-0000-7000-8000-0000000%'
         and c.id not in ('${BIG_CHALLENGE_ID}', '${CAP_CHALLENGE_ID}')
       order by md5(c.id::text || t.n) limit 5) c
     where t.tier in ('heavy', 'three_year')
     on conflict do nothing`,
  );
  await client.query(`
    update challenge_participants p set final_rank = r.rank
    from (select p.challenge_id, p.user_id,
                 row_number() over (partition by p.challenge_id order by coalesce(p.completed_at, 'infinity'), -p.current, p.joined_at, p.user_id) as rank
          from challenge_participants p join challenges c on c.id = p.challenge_id where c.closed_at is not null) r
    where p.challenge_id = r.challenge_id and p.user_id = r.user_id`);
}
