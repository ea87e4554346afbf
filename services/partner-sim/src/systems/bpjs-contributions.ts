import { monthlyContribution, type ContributionRules } from '@sutasoma/contracts';
import { RecordedAnswers } from '../recorded-answers.ts';
import { uniqueDigits } from './ids.ts';

/** BPJS's own rules for BPU participants (DOMAIN.md): JKK 1% clamped to [10,000; 207,000], JKM 6,800. */
export const BPU_RULES: ContributionRules = {
  jkkRateBps: 100,
  jkkMin: 10_000,
  jkkMax: 207_000,
  jkmAmount: 6_800,
  allowedMonths: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
  lapseAfterMonths: 3,
};

export const CONTRIBUTION_CHANNELS = ['AGEN', 'VA', 'DEBIT_KARTU_TANI'] as const;
export type ContributionChannel = (typeof CONTRIBUTION_CHANNELS)[number];

export interface PostedContribution {
  /** noTandaTerima: TT and 10 digits. */
  receipt: string;
  kpj: string;
  requestId: string;
  jumlahBulan: number;
  periodeAwal: string;
  periodeAkhir: string;
  jumlah: number;
  kanal: ContributionChannel;
  referensiBank: string;
  postedAt: string;
}

/** `YYYY-MM` plus `months`. */
export function addMonths(period: string, months: number): string {
  const [year, month] = period.split('-').map(Number);
  const index = (year ?? 0) * 12 + (month ?? 1) - 1 + months;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** The contributions BPJS has posted this run, by KPJ, and the answers kept under each requestId. */
export class BpjsContributions {
  readonly answers = new RecordedAnswers();
  #byKpj = new Map<string, PostedContribution[]>();
  #all: PostedContribution[] = [];
  #receipts = new Set<string>();

  /** An earlier posting for this KPJ covering any month from `from` to `to`. */
  overlapping(kpj: string, from: string, to: string): PostedContribution | undefined {
    return this.#byKpj.get(kpj)?.find((c) => c.periodeAwal <= to && from <= c.periodeAkhir);
  }

  post(input: Omit<PostedContribution, 'receipt' | 'periodeAkhir' | 'postedAt'>, now = new Date()): PostedContribution {
    const posted: PostedContribution = {
      ...input,
      receipt: `TT${uniqueDigits(10, this.#receipts)}`,
      periodeAkhir: addMonths(input.periodeAwal, input.jumlahBulan - 1),
      postedAt: now.toISOString(),
    };
    const list = this.#byKpj.get(posted.kpj) ?? [];
    list.push(posted);
    this.#byKpj.set(posted.kpj, list);
    this.#all.push(posted);
    return posted;
  }

  forKpj(kpj: string): readonly PostedContribution[] {
    return this.#byKpj.get(kpj) ?? [];
  }

  all(): readonly PostedContribution[] {
    return this.#all;
  }

  /**
   * Whether `date` (YYYY-MM-DD) falls in a month a posting paid for, and the membership's state
   * now: lapsed (NONAKTIF) once more than `lapseAfterMonths` months after the last paid one passed
   * unpaid. Null `lastPaidMonth`: nothing was ever posted.
   */
  coverage(kpj: string, date: string, now = new Date()): { covered: boolean; lastPaidMonth: string | null; lapsed: boolean } {
    const posted = this.forKpj(kpj);
    const month = date.slice(0, 7);
    const covered = posted.some((c) => c.periodeAwal <= month && month <= c.periodeAkhir);
    const lastPaidMonth = posted.reduce<string | null>((max, c) => (max === null || c.periodeAkhir > max ? c.periodeAkhir : max), null);
    const lapsed = lastPaidMonth !== null && addMonths(lastPaidMonth, BPU_RULES.lapseAfterMonths) < now.toISOString().slice(0, 7);
    return { covered, lastPaidMonth, lapsed };
  }
}

export function monthlyBpuContribution(penghasilan: number): number {
  return monthlyContribution(BPU_RULES, penghasilan);
}
