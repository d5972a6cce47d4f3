CREATE TABLE "mcpd_replicas" (
	"id" text PRIMARY KEY NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"heartbeat_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "provider_sessions" ADD COLUMN "replica_id" text;