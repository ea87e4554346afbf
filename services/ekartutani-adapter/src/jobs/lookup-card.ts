import { NikInput } from '@sutasoma/contracts';
import { defineStep } from '@sutasoma/adapter-kit';
import { maskTail, type EKartuTaniClient } from '../clients/ekartutani.ts';

/** A farmer without a card can still register: the step succeeds with `found: false`. */
export const lookupCard = (ekartutani: EKartuTaniClient) => defineStep({
  input: NikInput,
  async run({ nik }) {
    const card = await ekartutani.cardByNik(nik);
    if (!card.found) return { outcome: 'succeeded', result: { found: false } };
    return {
      outcome: 'succeeded',
      result: { found: true, cardNumberMasked: maskTail(card.cardNumber), status: card.status, bankCode: card.bankCode, accountMasked: maskTail(card.account) },
    };
  },
});
