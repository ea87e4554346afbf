import { CardCreditInput, PartnerErrorCode } from '@sutasoma/contracts';
import { defineStep } from '@sutasoma/adapter-kit';
import { PartnerError } from '@sutasoma/partner-client';
import type { EKartuTaniClient } from '../clients/ekartutani.ts';

/** No card, or a blocked one: the benefit must go another way (an account the agent gives). */
const UNAVAILABLE = new Set(['KARTU_NOT_FOUND', 'KARTU_BLOCKED']);

/** Pays a benefit into the bank account behind the farmer card, once per step: the mirror of the debit. */
export const creditCard = (ekartutani: EKartuTaniClient) => defineStep({
  input: CardCreditInput,
  async run({ nik, amount, remark }, { job }) {
    const res = await ekartutani.credit(nik, amount, job.idempotencyKey, remark);
    if (res.kind === 'credited') return { outcome: 'succeeded', result: { bankReference: res.creditId, amount: res.amount } };
    if (UNAVAILABLE.has(res.code)) return { outcome: 'rejected', reasonCode: 'card_unavailable', detail: res.code, partnerStatus: res.status };
    throw new PartnerError(PartnerErrorCode.rejected, `e-Kartu Tani refused the credit: ${res.code}`, { retryable: false, status: res.status });
  },
});
