CREATE OR REPLACE FUNCTION count_joined_participants() RETURNS trigger
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
$$;
