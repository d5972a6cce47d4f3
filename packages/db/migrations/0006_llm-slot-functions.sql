-- Claims live as long as a request: not worth a write-ahead log flush per request. Lost with a
-- crash of the database (or a failover to a standby) they are only the claims of requests cut
-- by that crash.
ALTER TABLE "llm_slot_claims" SET UNLOGGED;
--> statement-breakpoint
-- The two statements that may grant a slot of a public LLM, each one round trip: the LLM's
-- advisory lock (class 1296257091, the hash of its id) is taken first, and every statement after
-- it in these volatile functions reads a fresh snapshot, so it sees every claim committed before
-- the lock was granted. The lock goes when the calling statement's transaction ends.
CREATE FUNCTION mcpd_claim_llm_slot(p_id text, p_llm_id text, p_replica_id text, p_user_id text, p_limit integer, p_max_waiting integer, p_max_waiting_per_user integer,
  OUT granted boolean, OUT waiting integer, OUT mine integer)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  running integer;
BEGIN
  PERFORM pg_advisory_xact_lock(1296257091, hashtext(p_llm_id));
  -- Made already (a claim made again after a sweep that raced it): answered as it stands.
  SELECT c.granted INTO granted FROM llm_slot_claims c WHERE c.id = p_id;
  IF FOUND THEN
    waiting := 0;
    mine := 0;
    RETURN;
  END IF;
  SELECT count(*) FILTER (WHERE c.granted), count(*) FILTER (WHERE NOT c.granted), count(*) FILTER (WHERE NOT c.granted AND c.user_id = p_user_id)
    INTO running, waiting, mine
    FROM llm_slot_claims c WHERE c.llm_id = p_llm_id;
  IF running + waiting < p_limit THEN
    granted := true;
  ELSIF waiting < p_max_waiting AND mine < p_max_waiting_per_user THEN
    granted := false;
  ELSE
    granted := NULL;
    RETURN;
  END IF;
  INSERT INTO llm_slot_claims (id, llm_id, replica_id, user_id, granted) VALUES (p_id, p_llm_id, p_replica_id, p_user_id, granted);
END $$;
--> statement-breakpoint
-- The turns of one replica's waiting claims: as many of the oldest waiting claims as there are
-- free slots are due, and those of p_replica_id among them are granted (the others' replicas
-- grant theirs on the same news). Answers every claim of p_replica_id for the LLM and whether it
-- is granted now, so a claim granted before its replica looked for it is found too.
CREATE FUNCTION mcpd_grant_llm_slots(p_llm_id text, p_replica_id text, p_limit integer)
RETURNS TABLE (claim_id text, granted boolean)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  running integer;
BEGIN
  PERFORM pg_advisory_xact_lock(1296257091, hashtext(p_llm_id));
  SELECT count(*) INTO running FROM llm_slot_claims c WHERE c.llm_id = p_llm_id AND c.granted;
  RETURN QUERY
  WITH due AS (
    SELECT c.id FROM llm_slot_claims c
    WHERE c.llm_id = p_llm_id AND NOT c.granted
    ORDER BY c.claimed_at, c.id
    LIMIT greatest(p_limit - running, 0)
  ), turned AS (
    UPDATE llm_slot_claims c SET granted = true
    FROM due WHERE c.id = due.id AND c.replica_id = p_replica_id
    RETURNING c.id
  )
  SELECT c.id, c.granted OR c.id IN (SELECT turned.id FROM turned)
  FROM llm_slot_claims c
  WHERE c.llm_id = p_llm_id AND c.replica_id = p_replica_id;
END $$;
