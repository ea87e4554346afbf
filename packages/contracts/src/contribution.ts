import { z } from 'zod';
import { OperationStep } from './registration.ts';

/**
 * Contribution rules for BPU participants (PP 44/2015, Permenaker 1/2016): JKK is a rate of the
 * declared monthly income, clamped to a minimum and maximum, plus a fixed JKM amount. Integer rupiah.
 */
export interface ContributionRules {
  /** JKK rate in basis points of the declared income; default 100 (1 %). */
  jkkRateBps: number;
  jkkMin: number;
  jkkMax: number;
  jkmAmount: number;
  /** How many months may be paid at once. */
  allowedMonths: readonly number[];
  /** Months unpaid after which the membership lapses. */
  lapseAfterMonths: number;
}

/** The monthly contribution in rupiah for a declared income: Rp 16,800 at Rp 1,000,000. */
export function monthlyContribution(rules: ContributionRules, declaredIncome: number): number {
  const jkk = Math.min(rules.jkkMax, Math.max(rules.jkkMin, Math.floor((declaredIncome * rules.jkkRateBps) / 10_000)));
  return jkk + rules.jkmAmount;
}

export const ContributionChannel = z.enum(['agent_cash', 'bank_va', 'kartu_tani_debit']);
export type ContributionChannel = z.infer<typeof ContributionChannel>;

export const ContributionStatus = z.enum(['accepted', 'awaiting_payment', 'paid', 'posted', 'failed', 'expired']);
export type ContributionStatus = z.infer<typeof ContributionStatus>;
export const TERMINAL_CONTRIBUTION_STATUSES: readonly ContributionStatus[] = ['posted', 'failed', 'expired'];

const Kpj = z.string().regex(/^\d{11}$/, 'must be an 11-digit KPJ');
const Nik = z.string().regex(/^\d{16}$/, 'must be exactly 16 digits');
const Period = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM');

export function buildContributionRequest(rules: ContributionRules) {
  return z.object({
    kpj: Kpj.optional().describe('the participant, by KPJ (or give nik)'),
    nik: Nik.optional().describe('the participant, by NIK (or give kpj)'),
    months: z.number().int().refine((m) => rules.allowedMonths.includes(m), `must be one of ${rules.allowedMonths.join(', ')}`),
    channel: ContributionChannel,
    amount: z.number().int().positive().optional().describe('rupiah; when given it must equal the amount the gateway computes'),
  }).strict().superRefine((b, ctx) => {
    if ((b.kpj === undefined) === (b.nik === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['kpj'], message: 'give exactly one of kpj or nik' });
    }
  }).meta({ id: 'ContributionRequest' });
}
export type ContributionRequest = z.infer<ReturnType<typeof buildContributionRequest>>;

export const Contribution = z.object({
  id: z.uuid(),
  status: ContributionStatus,
  kpj: z.string(),
  channel: ContributionChannel,
  months: z.number().int(),
  amount: z.number().int().describe('rupiah'),
  virtualAccount: z.object({ number: z.string(), expiresAt: z.string() }).nullable()
    .describe('for bank_va: where the farmer pays, and until when'),
  bankReference: z.string().nullable(),
  bpjsReceipt: z.string().nullable(),
  coverage: z.object({ from: Period, to: Period }).nullable().describe('the months this contribution bought, once posted'),
  reason: z.object({ code: z.string(), detail: z.string() }).nullable(),
  steps: z.array(OperationStep),
  createdAt: z.string(),
  updatedAt: z.string(),
}).meta({ id: 'Contribution' });
export type Contribution = z.infer<typeof Contribution>;

export const ContributionAccepted = z.object({
  id: z.uuid(),
  status: ContributionStatus,
  amount: z.number().int(),
  createdAt: z.string(),
}).meta({ id: 'ContributionAccepted' });

export const ParticipantStatus = z.enum(['pending_first_payment', 'active', 'lapsed']);

export const Participant = z.object({
  kpj: z.string(),
  nikMasked: z.string(),
  status: ParticipantStatus,
  coveredUntil: z.string().nullable().describe('last covered day, YYYY-MM-DD'),
  monthsPaid: z.number().int(),
  monthsInArrears: z.number().int(),
  monthlyAmount: z.number().int(),
  lastContributions: z.array(z.object({
    id: z.uuid(), status: ContributionStatus, months: z.number().int(), amount: z.number().int(),
    channel: ContributionChannel, coverage: z.object({ from: Period, to: Period }).nullable(), createdAt: z.string(),
  })),
}).meta({ id: 'Participant' });
export type Participant = z.infer<typeof Participant>;

export const FeeStatement = z.object({
  agent: z.string(),
  period: Period,
  items: z.array(z.object({
    kind: z.enum(['contribution', 'activation']),
    operationId: z.uuid(),
    kpj: z.string(),
    baseAmount: z.number().int(),
    amount: z.number().int(),
    accruedAt: z.string(),
  })),
  totals: z.object({ contribution: z.number().int(), activation: z.number().int(), total: z.number().int() }),
}).meta({ id: 'FeeStatement' });

export { Period as PeriodSchema };
