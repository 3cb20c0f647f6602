-- "How many players rank ahead of me" in bounded time: counts per stretch of each challenge's ranking
-- (see rank_group below), kept by triggers, instead of an index count of up to every player.
CREATE TABLE "challenge_rank_counts" (
	"challenge_id" uuid NOT NULL,
	"level" integer NOT NULL,
	"grp" integer NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"players" integer NOT NULL,
	CONSTRAINT "challenge_rank_counts_challenge_id_level_grp_bucket_pk" PRIMARY KEY("challenge_id","level","grp","bucket")
);
--> statement-breakpoint
-- A player's place in a challenge's ranking, in the coarse terms the counts are kept in. The ranking
-- (src/services/ranking.ts): completed first, earlier completion first; then higher `current`;
-- then earlier join; then user id. Its group: every completed player is in one group, before all
-- others (the lowest int); the rest are grouped by minus `current`. Its time: when it completed, else
-- when it joined. Within a group, the ranking follows the time, so groups, then days, hours and minutes
-- of that time, cut the ranking into stretches that are whole.
CREATE OR REPLACE FUNCTION rank_group(completed_at timestamptz, current int) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN completed_at IS NULL THEN -current ELSE '-2147483648'::int END
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION rank_time(completed_at timestamptz, joined_at timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(completed_at, joined_at)
$$;--> statement-breakpoint
-- The stretch of a time at a level of challenge_rank_counts: 0 the whole group, 1 its UTC day, 2 its
-- hour, 3 its minute.
CREATE OR REPLACE FUNCTION rank_bucket(level int, at timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
  SELECT CASE level WHEN 0 THEN '-infinity'::timestamptz
                    WHEN 1 THEN date_trunc('day', at, 'UTC')
                    WHEN 2 THEN date_trunc('hour', at, 'UTC')
                    ELSE date_trunc('minute', at, 'UTC') END
$$;--> statement-breakpoint
-- Keeps challenge_rank_counts in step with every change of challenge_participants, once per
-- statement (a bulk join, a cascade or the hourly job's chunk moves each count once), the counts
-- locked in key order (two transactions updating the same counts take them in one order). An update
-- that moves no player (final ranks, windows) changes nothing. A challenge deleted in the same
-- statement (its participants go by cascade) keeps no counts.
CREATE OR REPLACE FUNCTION count_rank_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  challenge_ids uuid[];
  groups int[];
  times timestamptz[];
  deltas int[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(challenge_id), array_agg(rank_group(completed_at, current)),
           array_agg(rank_time(completed_at, joined_at)), array_agg(1)
      INTO challenge_ids, groups, times, deltas FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(challenge_id), array_agg(rank_group(completed_at, current)),
           array_agg(rank_time(completed_at, joined_at)), array_agg(-1)
      INTO challenge_ids, groups, times, deltas FROM old_rows;
  ELSE
    WITH moved AS (
      SELECT o.challenge_id, rank_group(o.completed_at, o.current) AS old_group,
             rank_time(o.completed_at, o.joined_at) AS old_time,
             rank_group(n.completed_at, n.current) AS new_group, rank_time(n.completed_at, n.joined_at) AS new_time
      FROM old_rows o JOIN new_rows n ON n.challenge_id = o.challenge_id AND n.user_id = o.user_id
      WHERE (o.completed_at, o.current, o.joined_at) IS DISTINCT FROM (n.completed_at, n.current, n.joined_at)
    ), changes AS (
      SELECT challenge_id, old_group AS grp, old_time AS at, -1 AS delta FROM moved
      UNION ALL
      SELECT challenge_id, new_group, new_time, 1 FROM moved
    )
    SELECT array_agg(challenge_id), array_agg(grp), array_agg(at), array_agg(delta)
      INTO challenge_ids, groups, times, deltas FROM changes;
  END IF;
  IF challenge_ids IS NULL THEN
    RETURN NULL;
  END IF;
  INSERT INTO challenge_rank_counts AS c (challenge_id, level, grp, bucket, players)
  SELECT d.challenge_id, l.level, d.grp, rank_bucket(l.level, d.at), sum(d.delta)
  FROM unnest(challenge_ids, groups, times, deltas) AS d(challenge_id, grp, at, delta)
  CROSS JOIN generate_series(0, 3) AS l(level)
  WHERE EXISTS (SELECT 1 FROM challenges WHERE id = d.challenge_id)
  GROUP BY 1, 2, 3, 4
  HAVING sum(d.delta) <> 0
  ORDER BY 1, 2, 3, 4
  ON CONFLICT (challenge_id, level, grp, bucket) DO UPDATE SET players = c.players + excluded.players;
  -- Stretches left empty go (already locked above): the table holds the stretches players are in,
  -- not every minute a player ever passed through.
  DELETE FROM challenge_rank_counts c
  USING unnest(challenge_ids, groups, times, deltas) AS d(challenge_id, grp, at, delta)
  CROSS JOIN generate_series(0, 3) AS l(level)
  WHERE d.delta < 0 AND c.challenge_id = d.challenge_id AND c.level = l.level AND c.grp = d.grp
    AND c.bucket = rank_bucket(l.level, d.at) AND c.players = 0;
  IF TG_OP = 'DELETE' THEN
    -- Players gone with their challenge (a cascade): so go its counts (there is no foreign key).
    DELETE FROM challenge_rank_counts c
    WHERE c.challenge_id IN (SELECT DISTINCT d.id FROM unnest(challenge_ids) AS d(id)
                             WHERE NOT EXISTS (SELECT 1 FROM challenges WHERE id = d.id));
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER challenge_participants_rank_inserted AFTER INSERT ON challenge_participants
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_rank_changes();--> statement-breakpoint
CREATE TRIGGER challenge_participants_rank_updated AFTER UPDATE ON challenge_participants
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_rank_changes();--> statement-breakpoint
CREATE TRIGGER challenge_participants_rank_deleted AFTER DELETE ON challenge_participants
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION count_rank_changes();--> statement-breakpoint
-- The counts of the players there already (the triggers above hold the table's lock from here to the
-- end of the migration's transaction: no change slips between the two).
INSERT INTO challenge_rank_counts (challenge_id, level, grp, bucket, players)
SELECT p.challenge_id, l.level, rank_group(p.completed_at, p.current),
       rank_bucket(l.level, rank_time(p.completed_at, p.joined_at)), count(*)
FROM challenge_participants p CROSS JOIN generate_series(0, 3) AS l(level)
GROUP BY 1, 2, 3, 4;
