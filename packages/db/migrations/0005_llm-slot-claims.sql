CREATE TABLE "llm_slot_claims" (
	"id" text PRIMARY KEY NOT NULL,
	"llm_id" text NOT NULL,
	"replica_id" text NOT NULL,
	"user_id" text NOT NULL,
	"granted" boolean DEFAULT false NOT NULL,
	"claimed_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "llm_slot_claims_llm_idx" ON "llm_slot_claims" USING btree ("llm_id","claimed_at");--> statement-breakpoint
CREATE INDEX "llm_slot_claims_replica_idx" ON "llm_slot_claims" USING btree ("replica_id");