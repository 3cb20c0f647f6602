-- A challenge's number of participants, kept by the database instead of counted per request (a list
-- counted every listed challenge's participants: 100,000 index entries for a big one, each time).
-- Statement-level triggers with transition tables: a bulk join or a cascade updates each challenge
-- once, in challenge id order (two transactions touching the same challenges lock them in the same
-- order: no deadlock).
ALTER TABLE "challenges" ADD COLUMN "participant_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE "challenges" c SET "participant_count" = (SELECT count(*) FROM "challenge_participants" p WHERE p.challenge_id = c.id);--> statement-breakpoint
CREATE FUNCTION count_joined_participants() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT challenge_id, count(*) AS n FROM joined GROUP BY challenge_id ORDER BY challenge_id LOOP
    UPDATE challenges SET participant_count = participant_count + r.n WHERE id = r.challenge_id;
  END LOOP;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE FUNCTION count_left_participants() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT challenge_id, count(*) AS n FROM left_rows GROUP BY challenge_id ORDER BY challenge_id LOOP
    UPDATE challenges SET participant_count = participant_count - r.n WHERE id = r.challenge_id;
  END LOOP;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER challenge_participants_joined AFTER INSERT ON challenge_participants
  REFERENCING NEW TABLE AS joined FOR EACH STATEMENT EXECUTE FUNCTION count_joined_participants();--> statement-breakpoint
CREATE TRIGGER challenge_participants_left AFTER DELETE ON challenge_participants
  REFERENCING OLD TABLE AS left_rows FOR EACH STATEMENT EXECUTE FUNCTION count_left_participants();
