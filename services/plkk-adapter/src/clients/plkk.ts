import { z } from 'zod';
import { BankAccount, PartnerErrorCode, type HospitalBill } from '@sutasoma/contracts';
import { PartnerError, type PartnerClient } from '@sutasoma/partner-client';

const CaseOpened = z.object({
  caseId: z.string().min(1),
  guarantee: z.object({ id: z.string().min(1), issuedAt: z.string(), class: z.number().int() }),
  payee: BankAccount,
});
const FollowUpTaken = z.object({ reportId: z.string().min(1) });
const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export interface CaseReport {
  requestId: string;
  caseRef: string;
  kpj: string;
  nik: string;
  accidentDate: string;
  description: string;
  facilityId: string;
  encounterId: string;
  admittedAt: string;
  deadline: string;
  late: boolean;
}

/** A business refusal: the PLKK's HTTP status and its own code and message. */
export interface Refusal {
  kind: 'refused';
  status: number;
  code: string;
  message: string;
}

export type CaseOutcome = { kind: 'opened'; caseId: string; guaranteeId: string; issuedAt: string; payee: BankAccount } | Refusal;
export type FollowUpOutcome = { kind: 'taken'; reportId: string } | Refusal;

/**
 * The PLKK's case reports (model: JSON over HTTPS with an API key). Stage I opens a case and
 * answers the guarantee letter; stage II carries the bill. `requestId` is the PLKK's idempotency key.
 */
export class PlkkClient {
  constructor(private readonly http: PartnerClient, private readonly apiKey: string) {}

  async reportCase(r: CaseReport): Promise<CaseOutcome> {
    const res = await this.http.send({
      method: 'POST',
      path: '/cases',
      headers: { 'x-api-key': this.apiKey },
      body: {
        requestId: r.requestId, caseRef: r.caseRef, participant: { kpj: r.kpj, nik: r.nik }, accidentDate: r.accidentDate,
        description: r.description, facilityId: r.facilityId, encounterId: r.encounterId, admittedAt: r.admittedAt,
        deadline: r.deadline, late: r.late,
      },
    });
    if (res.status >= 400) return refusal(res.status, res.body);
    const ok = CaseOpened.safeParse(res.body);
    if (!ok.success) throw new PartnerError(PartnerErrorCode.badResponse, `PLKK answered ${res.status} without a case and guarantee`, { retryable: false, status: res.status });
    return { kind: 'opened', caseId: ok.data.caseId, guaranteeId: ok.data.guarantee.id, issuedAt: ok.data.guarantee.issuedAt, payee: ok.data.payee };
  }

  async reportFollowup(r: { requestId: string; caseId: string; dischargedAt: string; bill: HospitalBill }): Promise<FollowUpOutcome> {
    const res = await this.http.send({
      method: 'POST',
      path: `/cases/${encodeURIComponent(r.caseId)}/follow-up`,
      headers: { 'x-api-key': this.apiKey },
      body: { requestId: r.requestId, dischargedAt: r.dischargedAt, bill: r.bill },
    });
    if (res.status >= 400) return refusal(res.status, res.body);
    const ok = FollowUpTaken.safeParse(res.body);
    if (!ok.success) throw new PartnerError(PartnerErrorCode.badResponse, `PLKK answered ${res.status} without a report id`, { retryable: false, status: res.status });
    return { kind: 'taken', reportId: ok.data.reportId };
  }
}

/**
 * A 4xx the PLKK answered. A 400 means our own request was malformed: no retry or rejection
 * reason mends that, so it fails the step for an operator to see.
 */
function refusal(status: number, body: unknown): Refusal {
  const e = ErrorBody.safeParse(body);
  const code = e.success ? e.data.error.code : `HTTP_${status}`;
  const message = e.success ? e.data.error.message : `HTTP ${status}`;
  if (status === 400) {
    throw new PartnerError(PartnerErrorCode.rejected, `PLKK refused the request as malformed: ${message}`, { retryable: false, status });
  }
  return { kind: 'refused', status, code, message };
}
