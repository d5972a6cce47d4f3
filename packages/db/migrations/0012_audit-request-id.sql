ALTER TABLE "audit_records" ADD COLUMN "request_id" text;--> statement-breakpoint
CREATE INDEX "audit_records_request_idx" ON "audit_records" USING btree ("request_id");