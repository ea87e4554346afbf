-- Personal data no longer sits in clear in the ledger (#12, finding 5). The gateway seals it with
-- @sutasoma/pii before it writes it: an operation's request keeps its personal fields (NIK, names,
-- birth date, address, phone, accounts, heirs, accident and death details) in one sealed `pii` field,
-- and where the ledger looks a farmer up or keeps one open operation per farmer it holds the NIK's
-- blind index (an HMAC under PII_INDEX_KEY), never the NIK. The columns keep their indexes (one
-- registration per farmer, one open contribution, one open accident case, one death claim); rows
-- written before hold a NIK there until the gateway's start seals them (sealLedger, in batches),
-- before it serves a request.
ALTER TABLE operations RENAME COLUMN nik TO nik_index;
ALTER TABLE participants RENAME COLUMN nik TO nik_index;

DROP FUNCTION accept_operation(text, text, text, text, uuid, text, text, text, text, text, jsonb, jsonb, jsonb, jsonb, text, jsonb);
CREATE FUNCTION accept_operation(
  p_principal text, p_scope text, p_key text, p_request_hash text,
  p_id uuid, p_kind text, p_agent text, p_village text, p_nik_index text, p_correlation text, p_request jsonb,
  p_steps jsonb, p_outbox jsonb, p_event jsonb, p_status text, p_result jsonb
) RETURNS TABLE (outcome text, resource_id uuid, status text, created_at timestamptz, detail text)
LANGUAGE plpgsql AS $$
DECLARE
  found_key record;
  created timestamptz;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext(p_principal || '|' || p_scope), hashtext(p_key)) THEN
    RETURN QUERY SELECT 'in_progress'::text, NULL::uuid, NULL::text, NULL::timestamptz, NULL::text;
    RETURN;
  END IF;
  SELECT k.request_hash, k.resource_id INTO found_key FROM idempotency_keys k
    WHERE k.principal = p_principal AND k.scope = p_scope AND k.key = p_key;
  IF FOUND THEN
    RETURN QUERY SELECT CASE WHEN found_key.request_hash = p_request_hash THEN 'replay' ELSE 'mismatch' END,
      o.id, o.status, o.created_at, NULL::text FROM operations o WHERE o.id = found_key.resource_id;
    RETURN;
  END IF;
  BEGIN
    INSERT INTO operations (id, kind, status, agent_id, village_code, nik_index, correlation_id, request, result)
      VALUES (p_id, p_kind, p_status, p_agent, p_village, p_nik_index, p_correlation, p_request, p_result)
      RETURNING operations.created_at INTO created;
  EXCEPTION WHEN unique_violation THEN
    RETURN QUERY SELECT 'conflict'::text, o.id, o.status, o.created_at, NULL::text FROM operations o
      WHERE o.kind = p_kind AND o.nik_index = p_nik_index ORDER BY o.created_at DESC LIMIT 1;
    RETURN;
  END;
  INSERT INTO operation_steps (operation_id, step, system, seq, state, idempotency_key, result)
    SELECT p_id, s.step, s.system, s.seq, COALESCE(s.state, 'pending'), s.idempotency_key, s.result
    FROM jsonb_to_recordset(p_steps) AS s(step text, system text, seq int, state text, idempotency_key text, result jsonb);
  INSERT INTO outbox (queue, job_name, job_id, payload)
    SELECT m.queue, m.name, m.job_id, m.payload
    FROM jsonb_to_recordset(p_outbox) AS m(queue text, name text, job_id text, payload jsonb);
  INSERT INTO operation_events (operation_id, kind, detail) VALUES (p_id, p_event->>'kind', COALESCE(p_event->'detail', '{}'::jsonb));
  INSERT INTO idempotency_keys (principal, scope, key, request_hash, resource_id) VALUES (p_principal, p_scope, p_key, p_request_hash, p_id);
  RETURN QUERY SELECT 'new'::text, p_id, p_status, created, NULL::text;
END $$;

-- The batch as before (008), ordered by the farmer's blind index instead of the NIK.
CREATE OR REPLACE FUNCTION accept_operations(p_batch jsonb)
RETURNS TABLE (ord int, outcome text, resource_id uuid, status text, created_at timestamptz, detail text)
LANGUAGE plpgsql AS $$
DECLARE
  e record;
BEGIN
  FOR e IN SELECT b.item, b.n FROM jsonb_array_elements(p_batch) WITH ORDINALITY AS b(item, n)
           ORDER BY b.item->>'kind', b.item->>'nikIndex', b.n LOOP
    RETURN QUERY SELECT e.n::int, a.outcome, a.resource_id, a.status, a.created_at, a.detail
      FROM accept_operation(
        e.item->>'principal', e.item->>'scope', e.item->>'key', e.item->>'requestHash',
        (e.item->>'id')::uuid, e.item->>'kind', e.item->>'agentId', e.item->>'villageCode', e.item->>'nikIndex', e.item->>'correlationId',
        e.item->'request', e.item->'steps', e.item->'outbox', e.item->'event', e.item->>'status', e.item->'result'
      ) AS a;
  END LOOP;
END $$;
