CREATE OR REPLACE FUNCTION count_left_participants() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT challenge_id, count(*) AS n FROM left_rows GROUP BY challenge_id ORDER BY challenge_id LOOP
    UPDATE challenge_participant_counts SET participants = participants - r.n WHERE challenge_id = r.challenge_id;
  END LOOP;
  RETURN NULL;
END
$$;
