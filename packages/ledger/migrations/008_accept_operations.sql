-- Group commit: many commands accepted in one statement, so in one transaction and one COMMIT (one
-- WAL flush) instead of one each. Each element is what accept_operation takes; each answers on its
-- own (`ord`, from 1, in the array's order): a conflict or an idempotency outcome of one element
-- touches no other. An element repeating an earlier one's key in the same batch finds that key, as
-- it would have a moment later. The commands are written in a stable order (kind, farmer, then as
-- given), so two batches taking the same farmers never wait for each other in a circle.
CREATE FUNCTION accept_operations(p_batch jsonb)
RETURNS TABLE (ord int, outcome text, resource_id uuid, status text, created_at timestamptz, detail text)
LANGUAGE plpgsql AS $$
DECLARE
  e record;
BEGIN
  FOR e IN SELECT b.item, b.n FROM jsonb_array_elements(p_batch) WITH ORDINALITY AS b(item, n)
           ORDER BY b.item->>'kind', b.item->>'nik', b.n LOOP
    RETURN QUERY SELECT e.n::int, a.outcome, a.resource_id, a.status, a.created_at, a.detail
      FROM accept_operation(
        e.item->>'principal', e.item->>'scope', e.item->>'key', e.item->>'requestHash',
        (e.item->>'id')::uuid, e.item->>'kind', e.item->>'agentId', e.item->>'villageCode', e.item->>'nik', e.item->>'correlationId',
        e.item->'request', e.item->'steps', e.item->'outbox', e.item->'event', e.item->>'status', e.item->'result'
      ) AS a;
  END LOOP;
END $$;
