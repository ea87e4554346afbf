import type { Pii } from '@sutasoma/pii';
import { PayoutAccountReason, type BankAccount, type ClaimAmounts, type ClaimStatus, type HolderCheck, type StepName } from '@sutasoma/contracts';
import { succeeded, type StepRow } from './engine.ts';

/** The benefit and deadline rules of claims: configuration (see config.ts), never code. */
export interface ClaimRules {
  /** Stage I is due this many hours after the accident (2x24 h, holidays not counted here). */
  reportDeadlineHours: number;
  /** A JKK claim may be made up to this many days after the accident. */
  claimWindowDays: number;
  /** Two reports of one farmer's accident whose dates are this close are one case. */
  mergeWindowDays: number;
  /** Lost income in the first 12 months, as a percent of the declared monthly income. */
  lostIncomePercent: number;
  jkm: {
    lumpSum: number;
    funeral: number;
    periodic: number;
    /** Contribution months after which the education benefit is due. */
    educationMinMonths: number;
    /** The first year's education benefit per child, by school level. */
    educationPerYear: Record<string, number>;
  };
}

const DAY_MS = 86_400_000;

/** When the stage I report of an accident on `accidentDate` (local date, WITA) is due. */
export function reportDeadline(rules: ClaimRules, accidentDate: string): Date {
  return new Date(Date.parse(`${accidentDate}T00:00:00+08:00`) + rules.reportDeadlineHours * 3_600_000);
}

export function daysBetween(a: string, b: string): number {
  return Math.abs(Date.parse(`${a}T00:00:00Z`) - Date.parse(`${b}T00:00:00Z`)) / DAY_MS;
}

/**
 * Lost income for a stay in hospital: each started day of the stay at the configured percent of
 * the declared monthly income over 30 days, integer rupiah (the first 12 months are at 100 %).
 */
export function lostIncome(rules: ClaimRules, declaredIncome: number, admittedAt: string, dischargedAt: string): number {
  const days = Math.max(1, Math.ceil((Date.parse(dischargedAt) - Date.parse(admittedAt)) / DAY_MS));
  return days * Math.floor((declaredIncome * rules.lostIncomePercent) / 100 / 30);
}

/** The JKM benefit by part: lump sum, funeral costs, periodic benefit, and education for up to 2 children once due. */
export function jkmAmounts(rules: ClaimRules, monthsPaid: number, children: readonly { schoolLevel: string }[]): ClaimAmounts {
  const education = monthsPaid >= rules.jkm.educationMinMonths
    ? children.slice(0, 2).reduce((sum, c) => sum + (rules.jkm.educationPerYear[c.schoolLevel] ?? 0), 0)
    : 0;
  return { lumpSum: rules.jkm.lumpSum, funeral: rules.jkm.funeral, periodic: rules.jkm.periodic, education };
}

export const sumAmounts = (a: ClaimAmounts | null | undefined): number =>
  Object.values(a ?? {}).reduce((s: number, v) => s + (v ?? 0), 0);

/** Payouts to an account an agent gave, whose holder the bank adapter checks first. */
export const VERIFIED_PAYOUTS: ReadonlySet<StepName> = new Set(['bank.pay_benefit', 'bank.pay_heir']);
const UNVERIFIED: ReadonlySet<string> = new Set([PayoutAccountReason.nameMismatch, PayoutAccountReason.accountInvalid]);

/** The payout step stopped because the bank holds its account under another name, or knows no such account. */
export const unverifiedPayout = (steps: readonly StepRow[]): StepRow | undefined =>
  steps.find((s) => VERIFIED_PAYOUTS.has(s.step) && s.state === 'failed' && !s.discarded && UNVERIFIED.has(s.last_error_code ?? ''));

/**
 * A claim's status from its steps: a refusal or a failure ends it (a payout account the bank does not
 * hold for the person to be paid: `account_unverified`, for a supervisor), every step done is `paid`,
 * else the status of the last milestone reached (milestones in the flow's order), else `reported`.
 */
export function claimStatus(steps: readonly StepRow[], milestones: readonly (readonly [StepName, ClaimStatus])[]): ClaimStatus {
  if (steps.some((s) => s.state === 'rejected')) return 'rejected';
  if (unverifiedPayout(steps)) return 'account_unverified';
  if (steps.some((s) => s.state === 'failed')) return 'failed';
  if (steps.every((s) => s.state === 'succeeded')) return 'paid';
  for (let i = milestones.length - 1; i >= 0; i--) if (succeeded(steps, milestones[i]![0])) return milestones[i]![1];
  return 'reported';
}

/**
 * A supervisor's approval of a payout account the bank holds under another name (ops_audit `auditId`).
 * The account is named by its keyed digest (`approvedAccount`), never in clear in the ledger.
 */
export interface PayoutApproval {
  account: string;
  approvedBy: string;
  auditId: number;
  at: string;
}

/**
 * Whom the bank adapter checks the payout account's holder against: the person to be paid (the
 * registered farmer, the heir BPJS approved), or the supervisor's approval of exactly this account.
 */
export const approvedAccount = (pii: Pii, a: BankAccount) => pii.digest(`payout-account:${a.bankCode}:${a.accountNo}`);

export function holderCheck(pii: Pii, account: BankAccount, person: string, approval: PayoutApproval | undefined): HolderCheck {
  return approval && approval.account === approvedAccount(pii, account)
    ? { by: 'supervisor', approvedBy: approval.approvedBy, auditId: approval.auditId }
    : { by: 'name', name: person };
}
