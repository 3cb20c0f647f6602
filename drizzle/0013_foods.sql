-- Trigram matching for food search (partial words, small typos, any script). Neon supports pg_trgm;
-- the embedded PGlite loads it as an extension (stack/pglite.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE TABLE "foods" (
	"id" uuid PRIMARY KEY NOT NULL,
	"owner_id" uuid,
	"source" text NOT NULL,
	"name" text NOT NULL,
	"brand" text,
	"barcode" text,
	"serving_g" numeric(6, 2),
	"calories_per_100g" numeric(6, 2) NOT NULL,
	"protein_g_per_100g" numeric(5, 2) NOT NULL,
	"carbs_g_per_100g" numeric(5, 2) NOT NULL,
	"fat_g_per_100g" numeric(5, 2) NOT NULL,
	"search_text" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "foods_owner_matches_source" CHECK (("foods"."source" = 'custom') = ("foods"."owner_id" is not null)),
	CONSTRAINT "foods_per_100g_range" CHECK ("foods"."calories_per_100g" between 0 and 1000 and "foods"."protein_g_per_100g" between 0 and 100 and "foods"."carbs_g_per_100g" between 0 and 100 and "foods"."fat_g_per_100g" between 0 and 100)
);
--> statement-breakpoint
ALTER TABLE "meal_logs" ADD COLUMN "items" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "foods" ADD CONSTRAINT "foods_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "foods_search_text_trgm_idx" ON "foods" USING gin ("search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "foods_owner_id_idx" ON "foods" USING btree ("owner_id","id") WHERE "foods"."owner_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "foods_openfoodfacts_barcode_key" ON "foods" USING btree ("barcode") WHERE "foods"."source" = 'openfoodfacts';