-- Each challenge's number of participants, kept by the database instead of counted per request (a
-- list counted every listed challenge's participants: 100,000 index entries for a big one, each
-- time). Statement-level triggers with transition tables: a bulk join or a cascade touches each count
-- once, in challenge id order (two transactions updating the same counts lock them in one order). The
-- counts live apart from `challenges`, whose rows the hourly job locks before its players' rows.
CREATE TABLE "challenge_participant_counts" (
	"challenge_id" uuid PRIMARY KEY NOT NULL,
	"participants" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "challenge_participant_counts" ADD CONSTRAINT "challenge_participant_counts_challenge_id_challenges_id_fk" FOREIGN KEY ("challenge_id") REFERENCES "public"."challenges"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
INSERT INTO "challenge_participant_counts" ("challenge_id", "participants")
SELECT challenge_id, count(*) FROM "challenge_participants" GROUP BY challenge_id;--> statement-breakpoint
CREATE FUNCTION count_joined_participants() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT challenge_id, count(*) AS n FROM joined GROUP BY challenge_id ORDER BY challenge_id LOOP
    INSERT INTO challenge_participant_counts AS c (challenge_id, participants) VALUES (r.challenge_id, r.n)
    ON CONFLICT (challenge_id) DO UPDATE SET participants = c.participants + excluded.participants;
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
    UPDATE challenge_participant_counts SET participants = participants - r.n WHERE challenge_id = r.challenge_id;
  END LOOP;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER challenge_participants_joined AFTER INSERT ON challenge_participants
  REFERENCING NEW TABLE AS joined FOR EACH STATEMENT EXECUTE FUNCTION count_joined_participants();--> statement-breakpoint
CREATE TRIGGER challenge_participants_left AFTER DELETE ON challenge_participants
  REFERENCING OLD TABLE AS left_rows FOR EACH STATEMENT EXECUTE FUNCTION count_left_participants();
