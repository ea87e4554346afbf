import { RejectionReason, SubmitClaimInput } from '@sutasoma/contracts';
import { defineStep } from '@sutasoma/adapter-kit';
import type { Redis } from '@sutasoma/service-kit';
import type { BpjsClient } from '../clients/bpjs.ts';

export interface ClaimMemoryOptions {
  redis: Redis;
  prefix: string;
  /** How long a claim is remembered for its decision webhook. */
  rememberS: number;
}

/** The Redis key under which a submitted claim's operation and correlation id wait for BPJS's decision. */
export const claimKey = (prefix: string, claimRef: string) => `${prefix}:bpjs:claim:${claimRef}`;

export interface RememberedClaim {
  operationId: string;
  correlationId: string;
}

/**
 * Submits the claim; the step's idempotency key is BPJS's requestId, so a retry or replay never
 * makes a second claim. The operation is remembered first: the decision may arrive before this
 * step's own event does.
 */
export const submitClaim = (bpjs: BpjsClient, opts: ClaimMemoryOptions) => defineStep({
  input: SubmitClaimInput,
  async run(input, { job }) {
    const remembered: RememberedClaim = { operationId: job.operationId, correlationId: job.correlationId };
    await opts.redis.set(claimKey(opts.prefix, input.claimRef), JSON.stringify(remembered), 'EX', opts.rememberS);
    const res = await bpjs.submitClaim({ requestId: job.idempotencyKey, ...input });
    if (res.kind === 'refused') return { outcome: 'rejected', reasonCode: RejectionReason.refusedByBpjs, detail: res.message, partnerStatus: res.status };
    return { outcome: 'succeeded', result: { bpjsClaimId: res.bpjsClaimId } };
  },
});
