-- Reverts 0005_gamification_engine: the engine's functions and the seeded catalog. The official
-- challenges go with their participations (cascade); awards of the seeded badges go first, since
-- user_badges keeps its badges (no cascade). User-created challenges and their rows stay.
DROP FUNCTION apply_log_write(uuid, uuid);
DROP FUNCTION challenge_progress(jsonb, uuid, date, date, date);
DROP FUNCTION user_streaks(uuid);
DELETE FROM challenges WHERE id IN (
  '01936f00-0000-7000-8000-000000000001', '01936f00-0000-7000-8000-000000000002',
  '01936f00-0000-7000-8000-000000000003', '01936f00-0000-7000-8000-000000000004');
DELETE FROM user_badges WHERE badge_code IN (
  'first_log', 'streak_3', 'streak_7', 'streak_30', 'logs_100', 'first_challenge', 'challenges_5',
  'challenge_week_streak', 'challenge_veggie_five', 'challenge_breakfast_club', 'challenge_light_days');
DELETE FROM badges WHERE code IN (
  'first_log', 'streak_3', 'streak_7', 'streak_30', 'logs_100', 'first_challenge', 'challenges_5',
  'challenge_week_streak', 'challenge_veggie_five', 'challenge_breakfast_club', 'challenge_light_days');
