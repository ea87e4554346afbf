-- What operators do: replays and discards of failed steps, and an audit of every ops call.
ALTER TABLE operation_steps ADD COLUMN replays integer NOT NULL DEFAULT 0;
ALTER TABLE operation_steps ADD COLUMN discarded boolean NOT NULL DEFAULT false;
CREATE INDEX operation_steps_failed ON operation_steps (updated_at DESC) WHERE state = 'failed' AND NOT discarded;

CREATE TABLE ops_audit (
  id         bigserial PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT now(),
  actor      text NOT NULL,
  action     text NOT NULL,
  target     text,
  reason     text,
  request    jsonb NOT NULL DEFAULT '{}'::jsonb,
  result     jsonb NOT NULL DEFAULT '{}'::jsonb,
  status     integer
);
CREATE INDEX ops_audit_at ON ops_audit (at DESC);
