-- Reverts 0008_participant_window.
DROP FUNCTION participant_window(timestamptz, timestamptz, int, text, int, timestamptz);
