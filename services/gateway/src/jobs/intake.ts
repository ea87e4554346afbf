import { UnrecoverableError, Worker } from 'bullmq';
import { GATEWAY_INTAKE_QUEUE, IntakeEvent, maskNik } from '@sutasoma/contracts';
import { withTransaction, type Pool } from '@sutasoma/ledger';
import type { Pii } from '@sutasoma/pii';
import { Counter, type Logger, type Redis, type Registry } from '@sutasoma/service-kit';
import type { ClaimRules } from '../flows/claim-rules.ts';
import type { FlowDefinition } from '../flows/engine.ts';
import { IntakeRetry, applyAdmission, applyDischarge, type IntakeOutcome } from '../flows/jkk-reports.ts';

export interface IntakeWorkerOptions {
  pool: Pool;
  pii: Pii;
  flows: ReadonlyMap<string, FlowDefinition>;
  rules: ClaimRules;
  connection: Redis;
  prefix: string;
  concurrency: number;
  lockDurationMs: number;
  /** How long a discharge may wait for its admission (notifications arrive out of order) before it is refused. */
  orderWaitMs: number;
  logger: Logger;
  metrics: Registry;
  onApplied: () => void;
}

/**
 * Applies what partners send on their own (the hospital's admissions and discharges), each in one
 * transaction with its record in `intake_events`: once per delivery, and a refusal is kept with its
 * reason for operators (`GET /ops/intake`), never half-written into a case.
 */
export function createIntakeWorker(opts: IntakeWorkerOptions): Worker {
  const handled = new Counter({
    name: 'gateway_intake_events_total',
    help: 'Partner notifications by type and outcome',
    labelNames: ['type', 'outcome'],
    registers: [opts.metrics],
  });
  const worker = new Worker(GATEWAY_INTAKE_QUEUE, async (job) => {
    // The hospital adapter seals the patient's NIK and the accident's description (Pii.protect).
    let data: unknown;
    try {
      data = opts.pii.reveal(job.data as object);
    } catch (err) {
      opts.logger.error({ jobId: job.id, err: (err as Error).message }, 'intake event that does not open');
      throw new UnrecoverableError('BAD_INTAKE_PAYLOAD');
    }
    const parsed = IntakeEvent.safeParse(data);
    if (!parsed.success) {
      opts.logger.error({ jobId: job.id }, 'unreadable intake event');
      throw new UnrecoverableError('BAD_INTAKE_PAYLOAD');
    }
    const e = parsed.data;
    const log = { deliveryId: e.deliveryId, correlationId: e.correlationId, type: e.type, hospitalId: e.hospitalId, encounterId: e.encounterId };
    let res: IntakeOutcome;
    try {
      res = await withTransaction(opts.pool, async (tx) => {
        const seen = await tx.query<{ outcome: string; operation_id: string | null }>(
          'SELECT outcome, operation_id FROM intake_events WHERE source = $1 AND delivery_id = $2', ['hospital', e.deliveryId],
        );
        if (seen.rows[0]) return { outcome: 'duplicate', operationId: seen.rows[0].operation_id ?? '' } as IntakeOutcome;
        const out = e.type === 'hospital.admission'
          ? await applyAdmission(tx, opts.pii, opts.flows, opts.rules, e)
          : await applyDischarge(tx, opts.pii, opts.flows, e, { mayWait: Date.now() - Date.parse(e.receivedAt) < opts.orderWaitMs });
        await tx.query(
          `INSERT INTO intake_events (source, delivery_id, type, outcome, reason_code, reason_detail, operation_id, partner_ref, correlation_id, nik_masked, received_at)
           VALUES ('hospital', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (source, delivery_id) DO NOTHING`,
          [e.deliveryId, e.type, out.outcome, out.outcome === 'refused' ? out.reasonCode : null, out.outcome === 'refused' ? out.reasonDetail : null,
            out.operationId || null, `${e.hospitalId}/${e.encounterId}`, e.correlationId, maskNik(e.nik), e.receivedAt],
        );
        return out;
      });
    } catch (err) {
      if (err instanceof IntakeRetry) opts.logger.info({ ...log, why: err.message, attempt: job.attemptsMade + 1 }, 'intake event waits: retried later');
      throw err;
    }
    handled.inc({ type: e.type, outcome: res.outcome });
    const line = { ...log, operationId: res.operationId || undefined, outcome: res.outcome, ...(res.outcome === 'refused' ? { reasonCode: res.reasonCode } : {}) };
    if (res.outcome === 'refused') opts.logger.warn(line, `hospital notification refused: ${res.reasonDetail}`);
    else opts.logger.info(line, 'hospital notification applied');
    if (res.outcome !== 'duplicate' && res.outcome !== 'refused') opts.onApplied();
    return res;
  }, {
    connection: opts.connection, prefix: opts.prefix, concurrency: opts.concurrency, autorun: false,
    lockDuration: opts.lockDurationMs, stalledInterval: opts.lockDurationMs,
  });
  worker.on('error', (err) => opts.logger.warn({ err: err.message }, 'intake worker connection error'));
  return worker;
}
