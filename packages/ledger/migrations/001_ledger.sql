-- The gateway's durable ledger: every accepted command, its steps, its history, and the outbox
-- that hands work to the queues. A 202 means the rows below are committed.

CREATE TABLE operations (
  id              uuid PRIMARY KEY,
  kind            text NOT NULL,
  status          text NOT NULL,
  agent_id        text NOT NULL,
  village_code    text NOT NULL,
  nik             text NOT NULL,
  correlation_id  text NOT NULL,
  request         jsonb NOT NULL,
  result          jsonb NOT NULL DEFAULT '{}'::jsonb,
  reason_code     text,
  reason_detail   text,
  recoveries      integer NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- One open (or successful) registration per farmer: a second agent visit finds the first.
CREATE UNIQUE INDEX operations_one_registration_per_nik
  ON operations (nik) WHERE kind = 'registration' AND status NOT IN ('rejected', 'failed');
CREATE INDEX operations_unfinished ON operations (updated_at)
  WHERE status NOT IN ('registered', 'rejected', 'failed');
CREATE INDEX operations_by_agent ON operations (agent_id, created_at);

CREATE TABLE operation_steps (
  operation_id     uuid NOT NULL REFERENCES operations (id),
  step             text NOT NULL,
  system           text NOT NULL,
  seq              integer NOT NULL,
  state            text NOT NULL,
  attempts         integer NOT NULL DEFAULT 0,
  last_error_code  text,
  partner_status   integer,
  idempotency_key  text NOT NULL,
  result           jsonb,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (operation_id, step)
);

-- What happened to an operation, in order: the timeline an operator reads.
CREATE TABLE operation_events (
  id            bigserial PRIMARY KEY,
  operation_id  uuid NOT NULL REFERENCES operations (id),
  at            timestamptz NOT NULL DEFAULT now(),
  kind          text NOT NULL,
  step          text,
  attempt       integer,
  detail        jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX operation_events_by_operation ON operation_events (operation_id, id);

CREATE TABLE outbox (
  id          bigserial PRIMARY KEY,
  queue       text NOT NULL,
  job_name    text NOT NULL,
  job_id      text NOT NULL,
  payload     jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox_' || current_schema(), '');
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_inserted AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

CREATE TABLE idempotency_keys (
  principal      text NOT NULL,
  scope          text NOT NULL,
  key            text NOT NULL,
  request_hash   text NOT NULL,
  resource_id    uuid NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (principal, scope, key)
);
