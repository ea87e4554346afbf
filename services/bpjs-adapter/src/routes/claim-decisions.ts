import { z } from 'zod';
import { ClaimAmounts, DecisionResult } from '@sutasoma/contracts';
import { signedWebhookRoute, type StepWorker } from '@sutasoma/adapter-kit';
import type { Redis, ServiceApp } from '@sutasoma/service-kit';
import { claimKey, type RememberedClaim } from '../jobs/submit-claim.ts';

export interface DecisionWebhookOptions {
  /** Current and previous signing secrets (BPJS_WEBHOOK_SECRETS). */
  secrets: string[];
  redis: Redis;
  prefix: string;
  replayWindowS: number;
}

const Decision = z.object({
  claimRef: z.uuid(),
  bpjsClaimId: z.string().min(1),
  decision: z.enum(['approved', 'rejected', 'documents_requested']),
  reasonCode: z.string().min(1).max(64).optional(),
  reason: z.string().max(500).optional(),
  approved: ClaimAmounts,
  decidedAt: z.string().min(1),
});

/** Documents BPJS asks for keep the claim open: an attempt that failed, not an end. */
export const DOCUMENTS_REQUESTED = 'DOCUMENTS_REQUESTED';

const answer = (code: number, message: string) => ({ metaData: { code: String(code), message } });

/**
 * BPJS's claim decisions, verified first (signedWebhookRoute). Each becomes a `bpjs.await_decision`
 * event of the claim's operation: approved → succeeded with the DecisionResult, rejected →
 * rejected with BPJS's reason code, documents requested → attempt_failed DOCUMENTS_REQUESTED;
 * acknowledged once the gateway applied it (else 503: BPJS sends it again).
 */
export async function claimDecisionRoutes(app: ServiceApp, worker: StepWorker, opts: DecisionWebhookOptions) {
  await signedWebhookRoute(app, {
    partner: 'bpjs',
    path: '/webhooks/bpjs/claims',
    ...opts,
    replayBody: answer(200, 'OK'),
    async handle(payload, { webhookId, log }) {
      const d = Decision.safeParse(payload);
      if (!d.success) {
        log.warn({ webhookId, issues: d.error.issues.map((i) => i.path.join('.')) }, 'bpjs decision webhook with a bad body: refused');
        return { accepted: false, outcome: 'bad_body', status: 400, body: answer(400, 'unreadable decision') };
      }
      const key = claimKey(opts.prefix, d.data.claimRef);
      const known = await opts.redis.get(key);
      // The claim is ours by its claimRef (our operation id, signed by BPJS): what Redis remembers adds
      // only the correlation id. Lost with Redis, the decision still goes to the gateway, which
      // ignores an operation it does not know.
      const claim: RememberedClaim = known
        ? JSON.parse(known) as RememberedClaim
        : { operationId: d.data.claimRef, correlationId: `bpjs-decision-${webhookId}` };
      if (!known) log.warn({ webhookId, claimRef: d.data.claimRef }, 'bpjs decision for a claim this adapter no longer remembers (Redis lost?): handed over under its claimRef');
      // Each decision is its own attempt of the step, so a documents request and the approval after it are two events.
      const attempt = await opts.redis.incr(`${key}:decisions`);
      await opts.redis.expire(`${key}:decisions`, known ? Math.max(1, await opts.redis.ttl(key)) : opts.replayWindowS);
      const base = { operationId: claim.operationId, correlationId: claim.correlationId, step: 'bpjs.await_decision' as const, attempt, durationMs: 0, at: new Date().toISOString() };
      const { decision } = d.data;
      const applied = await worker.handOverEvent(decision === 'approved'
        ? { ...base, outcome: 'succeeded', result: DecisionResult.parse({ bpjsClaimId: d.data.bpjsClaimId, decision, approved: d.data.approved, decidedAt: d.data.decidedAt }) }
        : decision === 'rejected'
          ? { ...base, outcome: 'rejected', reasonCode: d.data.reasonCode ?? 'refused_by_bpjs' }
          : { ...base, outcome: 'attempt_failed', errorCode: DOCUMENTS_REQUESTED });
      if (!applied) {
        log.warn({ webhookId, operationId: claim.operationId, correlationId: claim.correlationId, decision }, 'bpjs decision not yet applied by the gateway: BPJS is asked to send it again');
        return { accepted: false, outcome: 'not_applied', status: 503, body: answer(503, 'not yet applied, send it again') };
      }
      log.info({ webhookId, operationId: claim.operationId, correlationId: claim.correlationId, decision, attempt }, 'bpjs claim decision accepted');
      return { accepted: true, outcome: 'accepted', body: answer(200, 'OK') };
    },
  });
}
