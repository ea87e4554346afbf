-- Claims: an accident (JKK) case, which the hospital or the agent may report first, and a death
-- (JKM) claim. A case is an operation like any other; what is its own is below.

-- One open accident case per farmer: the agent's report and the hospital's admission of the same
-- accident meet here and become one case, never two.
CREATE UNIQUE INDEX operations_one_open_jkk_per_nik
  ON operations (nik) WHERE kind = 'jkk_claim' AND status NOT IN ('rejected', 'failed', 'paid');
-- A farmer dies once: one death claim that is not rejected or failed.
CREATE UNIQUE INDEX operations_one_jkm_per_nik
  ON operations (nik) WHERE kind = 'jkm_claim' AND status NOT IN ('rejected', 'failed');
-- The hospital's discharge names its encounter.
CREATE INDEX operations_jkk_by_encounter ON operations ((result->>'encounterId')) WHERE kind = 'jkk_claim';
CREATE INDEX operations_claims_by_kpj ON operations ((request->>'kpj'), created_at) WHERE kind IN ('jkk_claim', 'jkm_claim');

-- Every notification a partner sent us on its own (hospital admissions and discharges), once per
-- delivery, with what became of it: an operator sees the refused ones and why.
CREATE TABLE intake_events (
  id             bigserial PRIMARY KEY,
  source         text NOT NULL,
  delivery_id    text NOT NULL,
  type           text NOT NULL,
  outcome        text NOT NULL,
  reason_code    text,
  reason_detail  text,
  operation_id   uuid REFERENCES operations (id),
  partner_ref    text,
  correlation_id text NOT NULL,
  nik_masked     text NOT NULL,
  received_at    timestamptz NOT NULL,
  processed_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source, delivery_id)
);
CREATE INDEX intake_events_refused ON intake_events (processed_at DESC) WHERE outcome = 'refused';

-- accept_operation now takes each step's first state and result (a hospital-reported case starts
-- with its admission done), and the operation's first status and result.
DROP FUNCTION accept_operation(text, text, text, text, uuid, text, text, text, text, text, jsonb, jsonb, jsonb, jsonb);
CREATE FUNCTION accept_operation(
  p_principal text, p_scope text, p_key text, p_request_hash text,
  p_id uuid, p_kind text, p_agent text, p_village text, p_nik text, p_correlation text, p_request jsonb,
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
    INSERT INTO operations (id, kind, status, agent_id, village_code, nik, correlation_id, request, result)
      VALUES (p_id, p_kind, p_status, p_agent, p_village, p_nik, p_correlation, p_request, p_result)
      RETURNING operations.created_at INTO created;
  EXCEPTION WHEN unique_violation THEN
    RETURN QUERY SELECT 'conflict'::text, o.id, o.status, o.created_at, NULL::text FROM operations o
      WHERE o.kind = p_kind AND o.nik = p_nik ORDER BY o.created_at DESC LIMIT 1;
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
