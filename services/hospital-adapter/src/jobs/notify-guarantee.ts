import { z } from 'zod';
import { NotifyGuaranteeInput, NotifyGuaranteeResult, PartnerErrorCode } from '@sutasoma/contracts';
import { defineStep } from '@sutasoma/adapter-kit';
import { PartnerError } from '@sutasoma/partner-client';
import type { HospitalFhirClient } from '../clients/fhir.ts';
import { NIK_SYSTEM, SUTASOMA_FHIR } from '../fhir/terms.ts';

const Created = z.object({ resourceType: z.literal('CoverageEligibilityResponse'), id: z.string().min(1) });
const Outcome = z.object({ issue: z.array(z.object({ diagnostics: z.string().optional() })).min(1) });

/** Why hospital.notify_guarantee ends `rejected`. */
export const HospitalRejection = {
  /** 404: the hospital does not know the encounter. */
  encounterUnknown: 'encounter_unknown',
  /** Any other 4xx but 400: the hospital refused the notice (another patient on the encounter, say). */
  refused: 'refused_by_hospital',
} as const;

/** The guarantee letter as the hospital's FHIR server takes it: a CoverageEligibilityResponse. */
export function guaranteeNotice(input: z.infer<typeof NotifyGuaranteeInput>, idempotencyKey: string) {
  return {
    resourceType: 'CoverageEligibilityResponse',
    identifier: [{ system: SUTASOMA_FHIR.idempotencyKey, value: idempotencyKey }],
    extension: [{ url: SUTASOMA_FHIR.encounter, valueReference: { reference: `Encounter/${input.encounterId}` } }],
    status: 'active',
    purpose: ['benefits'],
    patient: { identifier: { system: NIK_SYSTEM, value: input.nik } },
    created: input.issuedAt,
    requestor: { reference: `Organization/${input.hospitalId}` },
    request: { identifier: { system: SUTASOMA_FHIR.plkkCase, value: input.plkkCaseId } },
    outcome: 'complete',
    disposition: `Perawatan dijamin BPJS Ketenagakerjaan (JKK): surat jaminan ${input.guaranteeId}, kasus PLKK ${input.plkkCaseId}`,
    insurer: { display: 'BPJS Ketenagakerjaan' },
    preAuthRef: input.guaranteeId,
  };
}

const diagnostics = (body: unknown) => {
  const o = Outcome.safeParse(body);
  return o.success ? o.data.issue.map((i) => i.diagnostics).filter(Boolean).join('; ') : undefined;
};

/**
 * Tells the hospital its patient's treatment is guaranteed. The step's idempotency key is the
 * resource's identifier (and an If-None-Exist condition), so a retry creates nothing new.
 */
export const notifyGuarantee = (fhir: HospitalFhirClient) => defineStep({
  input: NotifyGuaranteeInput,
  async run(input, { job }) {
    const res = await fhir.send({
      method: 'POST',
      path: '/fhir/CoverageEligibilityResponse',
      headers: { 'if-none-exist': `identifier=${SUTASOMA_FHIR.idempotencyKey}|${job.idempotencyKey}` },
      body: guaranteeNotice(input, job.idempotencyKey),
    });
    if (res.status === 400) {
      throw new PartnerError(PartnerErrorCode.rejected, `the hospital refused the notice as malformed: ${diagnostics(res.body) ?? 'HTTP 400'}`, { retryable: false, status: 400 });
    }
    if (res.status >= 400) {
      const reasonCode = res.status === 404 ? HospitalRejection.encounterUnknown : HospitalRejection.refused;
      return { outcome: 'rejected', reasonCode, detail: diagnostics(res.body) ?? `HTTP ${res.status}`, partnerStatus: res.status };
    }
    const created = Created.safeParse(res.body);
    if (!created.success) {
      throw new PartnerError(PartnerErrorCode.badResponse, `the hospital answered ${res.status} without the resource's id`, { retryable: false, status: res.status });
    }
    return { outcome: 'succeeded', result: NotifyGuaranteeResult.parse({ notificationId: created.data.id }) };
  },
});
