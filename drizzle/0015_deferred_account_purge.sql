-- Account deletion answers at once and the hourly job purges the account afterwards, in bounded
-- chunks (src/services/account-purge.ts): the mark, the index that finds marked accounts, and the
-- index that lets the purge (and its final cascade) reach an account's write events without a scan.
ALTER TABLE "users" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "users_deleted_at_idx" ON "users" USING btree ("deleted_at","id") WHERE "users"."deleted_at" is not null;--> statement-breakpoint
CREATE INDEX "write_events_user_id_idx" ON "write_events" USING btree ("user_id");