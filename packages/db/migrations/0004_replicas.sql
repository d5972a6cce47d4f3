CREATE TABLE "mcpd_replicas" (
	"id" text PRIMARY KEY NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"heartbeat_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "provider_sessions" ADD COLUMN "replica_id" text;--> statement-breakpoint
ALTER TABLE "provider_sessions" ADD COLUMN "transport" text;--> statement-breakpoint
CREATE INDEX "provider_sessions_replica_idx" ON "provider_sessions" USING btree ("replica_id");