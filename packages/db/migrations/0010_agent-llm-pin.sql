ALTER TABLE "agents" ADD COLUMN "llm_pin" jsonb;--> statement-breakpoint
-- Agents stored before the pin: pinned to what their name resolves to now (an LLM wins, as in dispatch).
UPDATE "agents" SET "llm_pin" = jsonb_build_object('kind', 'llm', 'id', "llms"."id", 'ownerId', "llms"."owner_id") FROM "llms" WHERE "llms"."name" = "agents"."llm";--> statement-breakpoint
UPDATE "agents" SET "llm_pin" = '{"kind":"pool"}'::jsonb WHERE "llm_pin" IS NULL AND EXISTS (SELECT 1 FROM "llms" WHERE "llms"."pool_name" = "agents"."llm");
