CREATE TABLE "audit_records" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"user_id" text,
	"user_name" text,
	"llm_name" text NOT NULL,
	"served_by" text,
	"endpoint" text NOT NULL,
	"streaming" boolean NOT NULL,
	"status" integer NOT NULL,
	"latency_ms" double precision NOT NULL,
	"first_token_ms" double precision,
	"queue_ms" double precision,
	"prompt_tokens" integer,
	"completion_tokens" integer,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "llms" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"type" text NOT NULL,
	"model" text NOT NULL,
	"url" text,
	"api_key_encrypted" text,
	"tier" text DEFAULT 'fast' NOT NULL,
	"description" text,
	"pool_name" text,
	"visibility" text NOT NULL,
	"owner_id" text,
	"status" text DEFAULT 'active' NOT NULL,
	"provider_session_id" text,
	"last_heartbeat_at" timestamp with time zone,
	"inactive_since" timestamp with time zone,
	"max_concurrent" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provider_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"last_heartbeat_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "role_bindings" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"subject_kind" text NOT NULL,
	"subject_name" text NOT NULL,
	"permissions" jsonb NOT NULL,
	"resource_names" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "role_bindings_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"groups" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_name_unique" UNIQUE("name")
);
--> statement-breakpoint
ALTER TABLE "llms" ADD CONSTRAINT "llms_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "llms" ADD CONSTRAINT "llms_provider_session_id_provider_sessions_id_fk" FOREIGN KEY ("provider_session_id") REFERENCES "public"."provider_sessions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_sessions" ADD CONSTRAINT "provider_sessions_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_records_at_idx" ON "audit_records" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_records_llm_idx" ON "audit_records" USING btree ("llm_name");--> statement-breakpoint
CREATE UNIQUE INDEX "llms_name_idx" ON "llms" USING btree ("name");--> statement-breakpoint
CREATE INDEX "llms_pool_name_idx" ON "llms" USING btree ("pool_name");--> statement-breakpoint
CREATE INDEX "llms_provider_session_idx" ON "llms" USING btree ("provider_session_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tokens_token_hash_idx" ON "tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "tokens_user_name_idx" ON "tokens" USING btree ("user_id","name");