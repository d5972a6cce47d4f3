ALTER TABLE "llms" ADD COLUMN "wake_recipe" text;--> statement-breakpoint
ALTER TABLE "llms" ADD COLUMN "wake_max_wait_seconds" double precision;--> statement-breakpoint
ALTER TABLE "llms" ADD COLUMN "last_wake_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "llms" ADD COLUMN "last_wake_ms" double precision;