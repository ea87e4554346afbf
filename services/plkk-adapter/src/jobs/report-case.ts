import { GuaranteeResult, ReportCaseInput } from '@sutasoma/contracts';
import { defineStep } from '@sutasoma/adapter-kit';
import type { PlkkClient } from '../clients/plkk.ts';
import { PlkkRejection } from './reasons.ts';

/** Stage I: the step's idempotency key is the PLKK's requestId, so a retry answers the same case. */
export const reportCase = (plkk: PlkkClient) => defineStep({
  input: ReportCaseInput,
  async run(input, { job, log }) {
    const res = await plkk.reportCase({ requestId: job.idempotencyKey, ...input });
    if (res.kind === 'refused') {
      const reasonCode = res.status === 404 ? PlkkRejection.facilityNotPlkk : res.status === 409 ? PlkkRejection.caseExists : PlkkRejection.refused;
      log.info({ partnerStatus: res.status, plkkCode: res.code }, 'PLKK refused the case report');
      return { outcome: 'rejected', reasonCode, detail: `${res.code}: ${res.message}`, partnerStatus: res.status };
    }
    const result = GuaranteeResult.parse({ plkkCaseId: res.caseId, guaranteeId: res.guaranteeId, issuedAt: res.issuedAt, payee: res.payee });
    return { outcome: 'succeeded', result };
  },
});
