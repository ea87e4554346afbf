import { createRandom } from '../data/prng.ts';
import type { Bank, Farmer, SoppengData } from '../data/soppeng.ts';
import { uniqueDigits } from './ids.ts';

/** An agent collection account: any all-digit account number starting with 9 (no farmer's does). */
export const AGENT_ACCOUNT = /^9\d{0,19}$/;

/** One month's contribution at the lowest bracket; a farmer holding less is "low on funds". */
export const LOW_FUNDS_BELOW = 16_800;
const SHARE_LOW = 0.05;

export type DebitChannel = 'bank' | 'ekartutani';

export interface Debit {
  /** The bank's own reference (SNAP `referenceNo`, e-Kartu Tani `debitId`). */
  id: string;
  channel: DebitChannel;
  /** The caller's reference: SNAP `partnerReferenceNo` or the e-Kartu Tani `reference`. */
  reference: string;
  accountNo: string;
  amount: number;
  createdAt: string;
}

export interface AccountView {
  accountNo: string;
  kind: 'farmer' | 'agent';
  nik: string | null;
  bank: Bank | null;
  /** Rupiah; null for an agent collection account, whose funds are unlimited. */
  balance: number | null;
}

export type DebitOutcome = { ok: true; debit: Debit } | { ok: false; reason: 'unknown_account' | 'insufficient_funds' };

/**
 * The money side of the farmers' card accounts, shared by the bank (SNAP debits) and e-Kartu Tani
 * (card debits). Every farmer with a card has an account; its opening balance is drawn from the
 * seed and the account number, so it is the same on every run: about 95% hold Rp 250,000 to
 * Rp 5,000,000 (12 months at Rp 16,800 fit), about 5% less than one month's Rp 16,800.
 */
export class BankAccounts {
  readonly #seed: number;
  readonly #owners = new Map<string, Farmer>();
  readonly #balances = new Map<string, number>();
  readonly #debits: Debit[] = [];
  readonly #ids = new Set<string>();

  constructor(data: SoppengData) {
    this.#seed = data.seed;
    for (const farmer of data.farmers) {
      if (farmer.card && !this.#owners.has(farmer.card.nomorRekening)) this.#owners.set(farmer.card.nomorRekening, farmer);
    }
  }

  view(accountNo: string): AccountView | undefined {
    const owner = this.#owners.get(accountNo);
    if (owner?.card) {
      return { accountNo, kind: 'farmer', nik: owner.nik, bank: owner.card.bank, balance: this.#farmerBalance(accountNo) };
    }
    if (AGENT_ACCOUNT.test(accountNo)) return { accountNo, kind: 'agent', nik: null, bank: null, balance: null };
    return undefined;
  }

  /** A farmer account's balance now; null for an agent account; undefined for an unknown one. */
  balance(accountNo: string): number | null | undefined {
    if (!this.#owners.has(accountNo)) return AGENT_ACCOUNT.test(accountNo) ? null : undefined;
    return this.#farmerBalance(accountNo);
  }

  #farmerBalance(accountNo: string): number {
    return this.#balances.get(accountNo) ?? openingBalance(this.#seed, accountNo);
  }

  /** Takes `amount` rupiah from the account and books it, or says why not. */
  debit(accountNo: string, amount: number, channel: DebitChannel, reference: string, now = new Date()): DebitOutcome {
    const balance = this.balance(accountNo);
    if (balance === undefined) return { ok: false, reason: 'unknown_account' };
    if (balance !== null) {
      if (balance < amount) return { ok: false, reason: 'insufficient_funds' };
      this.#balances.set(accountNo, balance - amount);
    }
    // The bank's SNAP referenceNo is 16 digits; e-Kartu Tani's debitId is DBT and 12 digits.
    const id = channel === 'bank' ? uniqueDigits(16, this.#ids) : `DBT${uniqueDigits(12, this.#ids)}`;
    const debit: Debit = { id, channel, reference, accountNo, amount, createdAt: now.toISOString() };
    this.#debits.push(debit);
    return { ok: true, debit };
  }

  debits(filter: { channel?: DebitChannel; reference?: string; accountNo?: string } = {}): Debit[] {
    return this.#debits.filter((d) => (filter.channel === undefined || d.channel === filter.channel)
      && (filter.reference === undefined || d.reference === filter.reference)
      && (filter.accountNo === undefined || d.accountNo === filter.accountNo));
  }
}

/** Deterministic per seed and account: the seeded generator, seeded with FNV-1a of both. */
export function openingBalance(seed: number, accountNo: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < accountNo.length; i += 1) h = Math.imul(h ^ accountNo.charCodeAt(i), 0x01000193);
  const random = createRandom(h >>> 0);
  return random.chance(SHARE_LOW)
    ? 100 * random.int(0, LOW_FUNDS_BELOW / 100 - 1)
    : 1000 * random.int(250, 5000);
}
