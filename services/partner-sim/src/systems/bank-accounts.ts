import { BANKS, MALE_NAMES, SECOND_NAMES } from '../data/names.ts';
import { createRandom } from '../data/prng.ts';
import type { Bank, Farmer, SoppengData } from '../data/soppeng.ts';
import { uniqueDigits } from './ids.ts';
import { PLKK_FACILITIES } from './plkk-facilities.ts';

/** An agent collection account: any all-digit account number starting with 9 (no farmer's does). */
export const AGENT_ACCOUNT = /^9\d{0,19}$/;

/** One month's contribution at the lowest bracket; a farmer holding less is "low on funds". */
export const LOW_FUNDS_BELOW = 16_800;
const SHARE_LOW = 0.05;

/** `bank`: SNAP host-to-host debit; `bank_transfer`: the source side of a SNAP transfer; `ekartutani`: card debit. */
export type DebitChannel = 'bank' | 'bank_transfer' | 'ekartutani';
export type CreditChannel = 'bank_transfer' | 'ekartutani';

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

/** Money put into an account: a SNAP transfer's beneficiary side or an e-Kartu Tani card credit. */
export interface Credit {
  /** The bank's reference: the transfer's referenceNo, or e-Kartu Tani's creditId (KRD and 12 digits). */
  id: string;
  channel: CreditChannel;
  /** The caller's reference: SNAP `partnerReferenceNo` or the e-Kartu Tani `reference`. */
  reference: string;
  accountNo: string;
  amount: number;
  createdAt: string;
}

/** An account of an institution (a PLKK facility, or one a test opens): it starts empty and takes credits. */
export interface InstitutionAccount {
  accountNo: string;
  bank: Bank;
  holderName: string;
}

export interface AccountView {
  accountNo: string;
  kind: 'farmer' | 'agent' | 'institution';
  nik: string | null;
  bank: Bank | null;
  /** The name the bank holds the account under, as its account inquiry answers it (see holderNameOf). */
  holderName: string;
  /** Rupiah; null for an agent collection account, whose funds are unlimited. */
  balance: number | null;
}

export type DebitOutcome = { ok: true; debit: Debit } | { ok: false; reason: 'unknown_account' | 'insufficient_funds' };
export type CreditOutcome = { ok: true; credit: Credit } | { ok: false; reason: 'unknown_account' };

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
  /** Debits by channel and the partner's reference, for the duplicate check on every debit. */
  readonly #debitsByReference = new Map<string, Debit>();
  readonly #credits: Credit[] = [];
  readonly #institutions = new Map<string, InstitutionAccount>();
  readonly #ids = new Set<string>();

  constructor(data: SoppengData) {
    this.#seed = data.seed;
    for (const farmer of data.farmers) {
      if (farmer.card && !this.#owners.has(farmer.card.nomorRekening)) this.#owners.set(farmer.card.nomorRekening, farmer);
    }
    // The PLKK facilities' accounts, where BPJS claims pay hospital bills.
    for (const f of PLKK_FACILITIES) {
      this.openInstitution({ accountNo: f.account.accountNo, bank: { kode: f.account.bankCode, nama: BANKS.find((b) => b.kode === f.account.bankCode)?.nama ?? f.account.bankCode }, holderName: f.account.holderName });
    }
  }

  /** Opens an empty institution account; an account number already in use is refused (false). */
  openInstitution(account: InstitutionAccount): boolean {
    if (this.#owners.has(account.accountNo) || this.#institutions.has(account.accountNo) || AGENT_ACCOUNT.test(account.accountNo)) return false;
    this.#institutions.set(account.accountNo, account);
    return true;
  }

  view(accountNo: string): AccountView | undefined {
    const institution = this.#institutions.get(accountNo);
    if (institution) {
      return { accountNo, kind: 'institution', nik: null, bank: institution.bank, holderName: institution.holderName, balance: this.#balances.get(accountNo) ?? 0 };
    }
    const owner = this.#owners.get(accountNo);
    if (owner?.card) {
      return { accountNo, kind: 'farmer', nik: owner.nik, bank: owner.card.bank, holderName: bankRecordName(owner.fullName), balance: this.#farmerBalance(accountNo) };
    }
    if (AGENT_ACCOUNT.test(accountNo)) return { accountNo, kind: 'agent', nik: null, bank: null, holderName: agentHolderName(this.#seed, accountNo), balance: null };
    return undefined;
  }

  /** A farmer account's balance now; null for an agent account; undefined for an unknown one. */
  balance(accountNo: string): number | null | undefined {
    if (this.#institutions.has(accountNo)) return this.#balances.get(accountNo) ?? 0;
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
    const id = channel === 'ekartutani' ? `DBT${uniqueDigits(12, this.#ids)}` : uniqueDigits(16, this.#ids);
    const debit: Debit = { id, channel, reference, accountNo, amount, createdAt: now.toISOString() };
    this.#debits.push(debit);
    this.#debitsByReference.set(`${channel}|${reference}`, debit);
    return { ok: true, debit };
  }

  /** Puts `amount` rupiah into a known account and books it; `id` is the caller's when it has one (a transfer's referenceNo). */
  credit(accountNo: string, amount: number, channel: CreditChannel, reference: string, opts: { id?: string; now?: Date } = {}): CreditOutcome {
    const balance = this.balance(accountNo);
    if (balance === undefined) return { ok: false, reason: 'unknown_account' };
    if (balance !== null) this.#balances.set(accountNo, balance + amount);
    const id = opts.id ?? `KRD${uniqueDigits(12, this.#ids)}`;
    const credit: Credit = { id, channel, reference, accountNo, amount, createdAt: (opts.now ?? new Date()).toISOString() };
    this.#credits.push(credit);
    return { ok: true, credit };
  }

  /** The bank that holds an account: the card's bank, the institution's; null for an agent account. */
  bankOf(accountNo: string): Bank | null | undefined {
    const view = this.view(accountNo);
    return view === undefined ? undefined : view.bank;
  }

  credits(filter: { channel?: CreditChannel; reference?: string; accountNo?: string } = {}): Credit[] {
    return this.#credits.filter((c) => (filter.channel === undefined || c.channel === filter.channel)
      && (filter.reference === undefined || c.reference === filter.reference)
      && (filter.accountNo === undefined || c.accountNo === filter.accountNo));
  }

  /** Whether a debit with this reference was already booked on this channel (a lookup, not a scan of every debit). */
  hasDebit(channel: DebitChannel, reference: string): boolean {
    return this.#debitsByReference.has(`${channel}|${reference}`);
  }

  debits(filter: { channel?: DebitChannel; reference?: string; accountNo?: string } = {}): Debit[] {
    return this.#debits.filter((d) => (filter.channel === undefined || d.channel === filter.channel)
      && (filter.reference === undefined || d.reference === filter.reference)
      && (filter.accountNo === undefined || d.accountNo === filter.accountNo));
  }
}

/** The seeded generator, seeded with FNV-1a of the seed and the account number: the same on every run. */
function accountRandom(seed: number, accountNo: string) {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < accountNo.length; i += 1) h = Math.imul(h ^ accountNo.charCodeAt(i), 0x01000193);
  return createRandom(h >>> 0);
}

/**
 * How a bank's core system writes a customer's name: upper case, "Muhammad" shortened to "MUH."
 * (as Indonesian bank records often do), so that a name check must tolerate both.
 */
export function bankRecordName(fullName: string): string {
  return fullName.toUpperCase().replace(/\bMUHAMMAD\b/g, 'MUH.');
}

/**
 * The holder of an agent collection account (no farmer's): an invented person of its own, the same
 * on every run, so a benefit routed to an agent's account is paid to someone who is not the farmer.
 */
export function agentHolderName(seed: number, accountNo: string): string {
  const random = accountRandom(seed ^ 0x5a17, accountNo);
  return bankRecordName(`${random.pick(MALE_NAMES)} ${random.pick(SECOND_NAMES)}`);
}

/** Deterministic per seed and account (accountRandom). */
export function openingBalance(seed: number, accountNo: string): number {
  const random = accountRandom(seed, accountNo);
  return random.chance(SHARE_LOW)
    ? 100 * random.int(0, LOW_FUNDS_BELOW / 100 - 1)
    : 1000 * random.int(250, 5000);
}
