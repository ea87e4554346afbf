import { FollowupResult, ReportFollowupInput } from '@sutasoma/contracts';
import { defineStep } from '@sutasoma/adapter-kit';
import type { PlkkClient } from '../clients/plkk.ts';
import { PlkkRejection } from './reasons.ts';

/** Stage II, with the bill; the step's idempotency key is the PLKK's requestId. */
export const reportFollowup = (plkk: PlkkClient) => defineStep({
  input: ReportFollowupInput,
  async run(input, { job, log }) {
    const res = await plkk.reportFollowup({ requestId: job.idempotencyKey, caseId: input.plkkCaseId, ...input });
    if (res.kind === 'refused') {
      const reasonCode = res.status === 404 ? PlkkRejection.caseUnknown : res.status === 422 ? PlkkRejection.billRefused
        : res.status === 409 ? PlkkRejection.followupExists : PlkkRejection.refused;
      log.info({ partnerStatus: res.status, plkkCode: res.code }, 'PLKK refused the follow-up report');
      return { outcome: 'rejected', reasonCode, detail: `${res.code}: ${res.message}`, partnerStatus: res.status };
    }
    return { outcome: 'succeeded', result: FollowupResult.parse({ reportId: res.reportId }) };
  },
});
