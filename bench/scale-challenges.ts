// The challenges and participations of `npm run bench:scale`'s dataset (scale-data.ts), and what a
// `--reuse` run puts back.
import type pg from "pg";
import { BIG_CHALLENGE_ID, CAP_CHALLENGE_ID, type Scale } from "./scale-data.ts";

export type Progress = (line: string) => void;

export async function step(
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

/**
 * Puts back what a previous run's background work consumed, for `--reuse`: the big challenge open
 * again (unranked), no job cursors, and (unless `sessions` is false: a run of statements only) the
 * expired sessions (with refresh tokens) the purge removed.
 */
export async function resetForReuse(
  client: pg.Client,
  scale: Scale,
  progress: Progress,
  { sessions = true }: { sessions?: boolean } = {},
) {
  await client.query(
    `update challenges set closed_at = null, ends_at = now() + interval '5 days' where id = '${BIG_CHALLENGE_ID}';
     update challenge_participants set final_rank = null where challenge_id = '${BIG_CHALLENGE_ID}' and final_rank is not null;
     delete from job_cursors;`,
  );
  if (!sessions) return;
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

/**
 * ≥ 200 challenges of every rule type (official and user-made; ended, active, upcoming), the big
 * official one, and the participations: the big one's 100,000 players, a calorie cap with a fifth
 * of that, a few hundred in each other challenge, and every heavy / three-year user in 5 open ones.
 */
export async function generateChallenges(client: pg.Client, scale: Scale, progress: Progress) {
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
