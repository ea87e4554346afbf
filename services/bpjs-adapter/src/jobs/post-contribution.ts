import { PostContributionInput } from '@sutasoma/contracts';
import { defineStep } from '@sutasoma/adapter-kit';
import type { BpjsClient } from '../clients/bpjs.ts';

/** Posts a paid contribution at BPJS; the step's idempotency key is BPJS's requestId. */
export const postContribution = (bpjs: BpjsClient) => defineStep({
  input: PostContributionInput,
  async run(input, { job }) {
    const res = await bpjs.postContribution({ requestId: job.idempotencyKey, ...input });
    switch (res.kind) {
      case 'posted':
        return { outcome: 'succeeded', result: { receipt: res.receipt, periodStart: res.periodStart, periodEnd: res.periodEnd } };
      case 'unknown_participant':
        return { outcome: 'rejected', reasonCode: 'unknown_participant', partnerStatus: 404 };
      case 'refused':
        return { outcome: 'rejected', reasonCode: 'refused_by_bpjs', detail: res.message, partnerStatus: res.status };
    }
  },
});
