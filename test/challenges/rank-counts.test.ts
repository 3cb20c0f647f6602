import { describe, expect, it } from "vitest";
import { myRankSql } from "../../src/services/ranking";
import { authCall } from "../helpers/auth";
import { createChallenge, databaseOrder, join, leave, logToday, newPlayer } from "../helpers/challenges";
import { onDay } from "../helpers/dates";
import { sql, sqlOf, sqlTransaction } from "../helpers/db";
import { generateUsers } from "../helpers/generate";
import { DEFAULT_PASSWORD } from "../helpers/users";

// "How many rank ahead of me" is summed from challenge_rank_counts (drizzle/0019): these tests hold
// the counts to a recount after every kind of change, and the ranks to the full ranking.

/** The counts the triggers kept, and the same counts taken afresh from the participants. */
async function keptAndRecounted(challengeId: string) {
  const columns = "level, grp, bucket::text as bucket, players";
  const kept = await sql(
    `select ${columns} from challenge_rank_counts where challenge_id = $1 order by level, grp, bucket`,
    [challengeId],
  );
  const recounted = await sql(
    `select ${columns} from (
       select l.level, rank_group(p.completed_at, p.current) as grp,
              rank_bucket(l.level, rank_time(p.completed_at, p.joined_at)) as bucket, count(*)::int as players
       from challenge_participants p cross join generate_series(0, 3) l(level)
       where p.challenge_id = $1 group by 1, 2, 3) counted
     order by level, grp, bucket`,
    [challengeId],
  );
  return { kept, recounted };
}

async function expectCountsExact(challengeId: string) {
  const { kept, recounted } = await keptAndRecounted(challengeId);
  expect(kept).toEqual(recounted);
  return kept;
}

const deleteAccount = (token: string) =>
  authCall("/v1/users/me", { method: "DELETE", token, body: { password: DEFAULT_PASSWORD } });

describe("ranks from the counts the database keeps", () => {
  it("every player's rank equals their place in the full ranking, across days, hours, minutes and ties", async () => {
    const owner = await newPlayer();
    const challenge = await createChallenge(owner.accessToken, { rule: { type: "log_days", target: 50 } });
    const ids = await generateUsers(240, "stretches");
    // Every mix of day, hour, minute and second of joining in each `current` group, each instant
    // twice (the user id breaks the tie); every fifth player completed, in 18 distinct instants; half the instants on a minute's first microsecond.
    await sql(
      `insert into challenge_participants
         (challenge_id, user_id, joined_at, window_start, window_end, current, completed_at)
       select c.id, u.id,
              date_trunc('minute', now()) - interval '9 days' + (u.n % 3) * interval '1 day' + (u.n / 3 % 3) * interval '1 hour'
                + (u.n / 9 % 3) * interval '1 minute' + (u.n / 27 % 2) * interval '1 second',
              (c.starts_at at time zone 'UTC')::date, (c.ends_at at time zone 'UTC')::date,
              case when u.n % 5 = 0 then 50 else u.n / 108 % 3 end,
              case when u.n % 5 = 0 then date_trunc('minute', now()) - interval '1 day' - (u.n / 5 % 3) * interval '1 day'
                - (u.n / 15 % 3) * interval '1 hour' - (u.n / 45 % 2) * interval '1 minute' end
       from challenges c, unnest($2::uuid[]) with ordinality as u(id, n)
       where c.id = $1`,
      [challenge.id, ids],
    );
    await join(owner.accessToken, challenge.id);
    await expectCountsExact(challenge.id);

    const order = await databaseOrder(challenge.id);
    expect(order).toHaveLength(241);
    const ranks: number[] = [];
    for (const userId of order) {
      const [mine] = await sqlOf<{ rank: number }>(myRankSql(challenge.id, userId));
      ranks.push(mine!.rank);
    }
    expect(ranks).toEqual(order.map((_, i) => i + 1));
  });

  // The flush trigger is per row (constraint triggers cannot be per statement), so one statement of
  // N players fires it N times at commit; only the first may look for the pending changes (drizzle/
  // 0024). Each look was a scan over every change the first had taken out: N² at commit. Counted
  // with the transaction's own table statistics, not timed.
  it("flushes a statement of 200 players with one look at the pending changes", async () => {
    const owner = await newPlayer();
    const challenge = await createChallenge(owner.accessToken, { rule: { type: "log_days", target: 5 } });
    const userIds = await generateUsers(200, "flush");
    // Before and after, in the same transaction: the view also holds the backend's counts of
    // earlier transactions that are not yet reported (PostgreSQL 15 reports them at most once a second).
    const looks = {
      query: `select coalesce((select seq_scan + coalesce(idx_scan, 0) from pg_stat_xact_user_tables
                               where relname = 'rank_count_changes'), 0)::int as looks`,
    };
    const results = await sqlTransaction([
      looks,
      {
        query: `insert into challenge_participants (challenge_id, user_id, window_start)
                select $1, u.id, current_date from unnest($2::uuid[]) as u(id)`,
        params: [challenge.id, userIds],
      },
      { query: "set constraints all immediate" },
      looks,
    ]);
    const looked = (at: number) => Number(results[at]?.[0]?.looks);
    expect(looked(3) - looked(0)).toBe(1);
    await expectCountsExact(challenge.id);
  });

  it("joins, progress, completion, leaving, account deletion and the challenge's deletion keep the counts exact", async () => {
    const [a, b, c, d, ...rest] = await Promise.all([0, 1, 2, 3, 4, 5].map(() => newPlayer()));
    if (!a || !b || !c || !d) throw new Error("six players expected");
    const players = [a, b, c, d, ...rest];
    const challenge = await createChallenge(a.accessToken, { rule: { type: "log_days", target: 2 } });
    await Promise.all(players.map((player) => join(player.accessToken, challenge.id)));
    expect(await expectCountsExact(challenge.id)).toContainEqual(
      expect.objectContaining({ level: 0, grp: 0, players: 6 }),
    );

    // In parallel: progress (b), a completion (a: two days), more progress (rest).
    await Promise.all([
      logToday(a.accessToken, { eatenAt: onDay(-1) }).then(() => logToday(a.accessToken)),
      logToday(b.accessToken),
      ...rest.map((player) => logToday(player.accessToken)),
    ]);
    const kept = await expectCountsExact(challenge.id);
    expect(kept.filter((row) => row.level === 0)).toEqual([
      expect.objectContaining({ grp: -2147483648, players: 1 }),
      expect.objectContaining({ grp: -1, players: 3 }),
      expect.objectContaining({ grp: 0, players: 2 }),
    ]);

    expect((await leave(c.accessToken, challenge.id)).status).toBe(204);
    await expectCountsExact(challenge.id);
    expect((await deleteAccount(d.accessToken)).status).toBe(204);
    await expectCountsExact(challenge.id);

    await sql("delete from challenges where id = $1", [challenge.id]);
    expect(await sql("select 1 from challenge_rank_counts where challenge_id = $1", [challenge.id])).toEqual(
      [],
    );
  });
});
