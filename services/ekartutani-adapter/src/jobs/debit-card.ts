import { CardDebitInput } from '@sutasoma/contracts';
import { defineStep } from '@sutasoma/adapter-kit';
import type { EKartuTaniClient } from '../clients/ekartutani.ts';

const REASONS: Record<string, string> = {
  KARTU_NOT_FOUND: 'card_not_found',
  KARTU_BLOCKED: 'card_blocked',
  SALDO_TIDAK_CUKUP: 'insufficient_funds',
};

/** Debits the contribution from the bank account behind the farmer card, once per step. */
export const debitCard = (ekartutani: EKartuTaniClient) => defineStep({
  input: CardDebitInput,
  async run({ nik, amount }, { job }) {
    const res = await ekartutani.debit(nik, amount, job.idempotencyKey);
    if (res.kind === 'refused') return { outcome: 'rejected', reasonCode: REASONS[res.code] ?? 'refused_by_card_bank', partnerStatus: res.status };
    return { outcome: 'succeeded', result: { bankReference: res.debitId, amount: res.amount } };
  },
});
