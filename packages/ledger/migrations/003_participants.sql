-- Participants registered through SUTASOMA, and what their contributions have bought.
CREATE TABLE participants (
  kpj              text PRIMARY KEY,
  nik              text NOT NULL UNIQUE,
  registration_id  uuid NOT NULL REFERENCES operations (id),
  agent_id         text NOT NULL,
  village_code     text NOT NULL,
  declared_income  bigint NOT NULL,
  has_card         boolean NOT NULL,
  covered_until    date,
  months_paid      integer NOT NULL DEFAULT 0,
  first_paid_at    timestamptz,
  registered_at    timestamptz NOT NULL DEFAULT now()
);

-- One open contribution per participant: the period it buys is decided when it is paid.
CREATE UNIQUE INDEX operations_one_open_contribution_per_nik
  ON operations (nik) WHERE kind = 'contribution' AND status NOT IN ('posted', 'failed', 'expired');

-- What agents earn, by the rates of the cooperation agreement (configuration).
CREATE TABLE agent_fees (
  id            bigserial PRIMARY KEY,
  agent_id      text NOT NULL,
  period        text NOT NULL,
  kind          text NOT NULL,
  operation_id  uuid NOT NULL REFERENCES operations (id),
  kpj           text NOT NULL,
  base_amount   bigint NOT NULL,
  amount        bigint NOT NULL,
  accrued_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (operation_id, kind)
);
CREATE INDEX agent_fees_by_agent_period ON agent_fees (agent_id, period);

-- accept_operation: a conflict names the newest operation of the same kind for the farmer.
CREATE OR REPLACE FUNCTION accept_operation(
  p_principal text, p_scope text, p_key text, p_request_hash text,
  p_id uuid, p_kind text, p_agent text, p_village text, p_nik text, p_correlation text, p_request jsonb,
  p_steps jsonb, p_outbox jsonb, p_event jsonb
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
    INSERT INTO operations (id, kind, status, agent_id, village_code, nik, correlation_id, request)
      VALUES (p_id, p_kind, 'accepted', p_agent, p_village, p_nik, p_correlation, p_request)
      RETURNING operations.created_at INTO created;
  EXCEPTION WHEN unique_violation THEN
    RETURN QUERY SELECT 'conflict'::text, o.id, o.status, o.created_at, NULL::text FROM operations o
      WHERE o.kind = p_kind AND o.nik = p_nik ORDER BY o.created_at DESC LIMIT 1;
    RETURN;
  END;
  INSERT INTO operation_steps (operation_id, step, system, seq, state, idempotency_key)
    SELECT p_id, s.step, s.system, s.seq, 'pending', s.idempotency_key
    FROM jsonb_to_recordset(p_steps) AS s(step text, system text, seq int, idempotency_key text);
  INSERT INTO outbox (queue, job_name, job_id, payload)
    SELECT m.queue, m.name, m.job_id, m.payload
    FROM jsonb_to_recordset(p_outbox) AS m(queue text, name text, job_id text, payload jsonb);
  INSERT INTO operation_events (operation_id, kind, detail) VALUES (p_id, p_event->>'kind', COALESCE(p_event->'detail', '{}'::jsonb));
  INSERT INTO idempotency_keys (principal, scope, key, request_hash, resource_id) VALUES (p_principal, p_scope, p_key, p_request_hash, p_id);
  RETURN QUERY SELECT 'new'::text, p_id, 'accepted'::text, created, NULL::text;
END $$;
