import { CheckCoverageInput, ClaimRejection, RejectionReason } from '@sutasoma/contracts';
import { defineStep } from '@sutasoma/adapter-kit';
import type { BpjsClient } from '../clients/bpjs.ts';

/** Was the participant covered on the event date? A KPJ BPJS holds under another NIK is unknown to us. */
export const checkCoverage = (bpjs: BpjsClient) => defineStep({
  input: CheckCoverageInput,
  async run(input) {
    const res = await bpjs.coverage(input.kpj, input.eventDate);
    if (res.kind === 'refused') return { outcome: 'rejected', reasonCode: RejectionReason.refusedByBpjs, detail: res.message, partnerStatus: res.status };
    if (res.kind === 'unknown_participant') return { outcome: 'rejected', reasonCode: ClaimRejection.participantUnknown, partnerStatus: 404 };
    if (res.nik !== input.nik) return { outcome: 'rejected', reasonCode: ClaimRejection.participantUnknown, detail: 'BPJS holds this KPJ under another NIK' };
    if (!res.covered || res.coveredUntil === null) {
      return { outcome: 'rejected', reasonCode: ClaimRejection.coverageInactive, detail: `BPJS membership ${res.status}, paid until ${res.coveredUntil ?? 'never'}` };
    }
    return { outcome: 'succeeded', result: { covered: true, coveredUntil: res.coveredUntil, declaredMonthlyIncome: res.declaredMonthlyIncome } };
  },
});
