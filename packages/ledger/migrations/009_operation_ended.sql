-- An operation's end states depend on its kind: `paid` ends a claim, but a contribution that is
-- `paid` still has its BPJS posting to do. The reconciler and the index of unfinished operations
-- treated `paid` as an end for every kind, so a contribution whose posting job was lost stayed
-- `paid` for good: the farmer's money taken, the coverage never posted. One definition now, per
-- kind, for both (the gateway's tests check it against every flow's end states).
CREATE FUNCTION operation_ended(kind text, status text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$
    SELECT CASE kind
      WHEN 'registration' THEN status IN ('registered', 'rejected', 'failed')
      WHEN 'contribution' THEN status IN ('posted', 'failed', 'expired')
      WHEN 'jkk_claim' THEN status IN ('rejected', 'failed', 'paid')
      WHEN 'jkm_claim' THEN status IN ('rejected', 'failed', 'paid')
      ELSE false
    END
  $$;

DROP INDEX operations_unfinished;
CREATE INDEX operations_unfinished ON operations (updated_at) WHERE NOT operation_ended(kind, status);
