-- A claim whose payout account the bank holds under another name than the farmer's or heir's (or
-- does not know) waits at `account_unverified` for a supervisor: nothing for the reconciler to run
-- again, like `failed`. The index of unfinished operations reads the function, so it is rebuilt.
CREATE OR REPLACE FUNCTION operation_ended(kind text, status text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$
    SELECT CASE kind
      WHEN 'registration' THEN status IN ('registered', 'rejected', 'failed')
      WHEN 'contribution' THEN status IN ('posted', 'failed', 'expired')
      WHEN 'jkk_claim' THEN status IN ('rejected', 'failed', 'paid', 'account_unverified')
      WHEN 'jkm_claim' THEN status IN ('rejected', 'failed', 'paid', 'account_unverified')
      ELSE false
    END
  $$;

REINDEX INDEX operations_unfinished;
