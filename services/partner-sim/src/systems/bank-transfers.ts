import type { BankAccounts } from './bank-accounts.ts';

export interface TransferInput {
  partnerReferenceNo: string;
  sourceAccountNo: string;
  beneficiaryAccountNo: string;
  beneficiaryAccountName: string;
  beneficiaryBankCode: string;
  amount: number;
  remark: string | null;
}

export interface Transfer extends TransferInput {
  /** The bank's reference, 16 digits: the source debit's and the beneficiary credit's id. */
  referenceNo: string;
  createdAt: string;
}

export type TransferOutcome =
  | { ok: true; transfer: Transfer; repeated: boolean }
  | { ok: false; reason: 'duplicate_reference' | 'unknown_beneficiary' | 'unknown_source' | 'insufficient_funds' };

const sameRequest = (a: TransferInput, b: TransferInput) => a.sourceAccountNo === b.sourceAccountNo && a.beneficiaryAccountNo === b.beneficiaryAccountNo
  && a.beneficiaryBankCode === b.beneficiaryBankCode && a.amount === b.amount;

/**
 * The bank's transfers this run. A partnerReferenceNo pays once, for good (not only for the day,
 * as X-EXTERNAL-ID does): the same request again is answered with the first transfer, a
 * different one under the same reference is refused. Only a transfer made is kept: a refusal
 * (no such account, no funds) may be tried again under the same reference.
 */
export class BankTransfers {
  readonly #accounts: BankAccounts;
  #byReference = new Map<string, Transfer>();
  #all: Transfer[] = [];

  constructor(accounts: BankAccounts) {
    this.#accounts = accounts;
  }

  execute(input: TransferInput, now = new Date()): TransferOutcome {
    const earlier = this.#byReference.get(input.partnerReferenceNo);
    if (earlier) return sameRequest(earlier, input) ? { ok: true, transfer: earlier, repeated: true } : { ok: false, reason: 'duplicate_reference' };
    const beneficiaryBank = this.#accounts.bankOf(input.beneficiaryAccountNo);
    // An agent account (no bank of its own) is at this bank, whatever code the caller gave.
    if (beneficiaryBank === undefined || (beneficiaryBank !== null && beneficiaryBank.kode !== input.beneficiaryBankCode)) {
      return { ok: false, reason: 'unknown_beneficiary' };
    }
    const debit = this.#accounts.debit(input.sourceAccountNo, input.amount, 'bank_transfer', input.partnerReferenceNo, now);
    if (!debit.ok) return { ok: false, reason: debit.reason === 'unknown_account' ? 'unknown_source' : 'insufficient_funds' };
    this.#accounts.credit(input.beneficiaryAccountNo, input.amount, 'bank_transfer', input.partnerReferenceNo, { id: debit.debit.id, now });
    const transfer: Transfer = { ...input, referenceNo: debit.debit.id, createdAt: now.toISOString() };
    this.#byReference.set(transfer.partnerReferenceNo, transfer);
    this.#all.push(transfer);
    return { ok: true, transfer, repeated: false };
  }

  list(filter: { partnerReferenceNo?: string | undefined; beneficiaryAccountNo?: string | undefined } = {}): Transfer[] {
    return this.#all.filter((t) => (filter.partnerReferenceNo === undefined || t.partnerReferenceNo === filter.partnerReferenceNo)
      && (filter.beneficiaryAccountNo === undefined || t.beneficiaryAccountNo === filter.beneficiaryAccountNo));
  }
}
