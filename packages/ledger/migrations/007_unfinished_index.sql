-- The reconciler's index of unfinished operations held only registrations' end states out: every
-- posted contribution and paid claim stayed in it for good, and each pass walked them. Now every
-- kind's end states are out (registration, contribution and claim statuses, as the flows define them).
DROP INDEX operations_unfinished;
CREATE INDEX operations_unfinished ON operations (updated_at)
  WHERE status NOT IN ('registered', 'rejected', 'failed', 'posted', 'expired', 'paid');
