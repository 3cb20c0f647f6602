-- Bounded, resumable background work and index-served rankings (src/services/scheduled.ts,
-- src/services/leaderboard.ts, the export in src/services/users.ts). The rank index's INCLUDE is
-- written by hand (drizzle cannot express it): it makes "how many are ahead of me" index-only.
CREATE TABLE "job_cursors" (
	"job" text PRIMARY KEY NOT NULL,
	"challenge_id" uuid NOT NULL,
	"user_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "challenge_participants_rank_idx" ON "challenge_participants" USING btree ("challenge_id",coalesce("completed_at", 'infinity'::timestamptz),(-"current"),"joined_at","user_id") INCLUDE ("completed_at","current");--> statement-breakpoint
CREATE INDEX "challenge_participants_final_rank_idx" ON "challenge_participants" USING btree ("challenge_id","final_rank") WHERE "challenge_participants"."final_rank" is not null;--> statement-breakpoint
CREATE INDEX "challenges_to_close_idx" ON "challenges" USING btree ("ends_at","id") WHERE "challenges"."closed_at" is null;--> statement-breakpoint
CREATE INDEX "challenges_calorie_cap_open_idx" ON "challenges" USING btree ("id") WHERE "challenges"."closed_at" is null and "challenges"."rule"->>'type' = 'calorie_cap_days';--> statement-breakpoint
CREATE INDEX "meal_logs_user_id_idx" ON "meal_logs" USING btree ("user_id","id");--> statement-breakpoint
CREATE INDEX "sessions_revoked_at_idx" ON "sessions" USING btree ("revoked_at") WHERE "sessions"."revoked_at" is not null;