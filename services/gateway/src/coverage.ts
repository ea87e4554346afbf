import type { ContributionRules } from '@sutasoma/contracts';

/** Months as one integer (year × 12 + month − 1), so periods add and compare simply. */
export const monthIndex = (yyyyMm: string) => {
  const [y, m] = yyyyMm.split('-').map(Number) as [number, number];
  return y * 12 + m - 1;
};
export const monthOf = (index: number) => `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;


/** The last day of a YYYY-MM month, as YYYY-MM-DD. */
export function lastDayOf(yyyyMm: string): string {
  const next = monthIndex(yyyyMm) + 1;
  const d = new Date(Date.UTC(Math.floor(next / 12), next % 12, 1) - 86_400_000);
  return d.toISOString().slice(0, 10);
}

export interface CoverageState {
  status: 'pending_first_payment' | 'active' | 'lapsed';
  monthsInArrears: number;
}

/**
 * Coverage runs to the end of the last paid month. Unpaid months since then are arrears; past
 * `lapseAfterMonths` of them the membership lapses (no fines: a later payment starts afresh).
 */
export function coverageState(rules: Pick<ContributionRules, 'lapseAfterMonths'>, coveredUntil: string | null, today: string): CoverageState {
  if (!coveredUntil) return { status: 'pending_first_payment', monthsInArrears: 0 };
  const arrears = Math.max(0, monthIndex(today.slice(0, 7)) - monthIndex(coveredUntil.slice(0, 7)));
  return { status: arrears > rules.lapseAfterMonths ? 'lapsed' : 'active', monthsInArrears: arrears };
}

/**
 * The first month a new payment buys: the month after the last paid one while the membership
 * holds (arrears are filled first, so cover stays continuous), else the current month.
 */
export function periodStart(rules: Pick<ContributionRules, 'lapseAfterMonths'>, coveredUntil: string | null, today: string): string {
  const state = coverageState(rules, coveredUntil, today);
  if (!coveredUntil || state.status === 'lapsed') return today.slice(0, 7);
  return monthOf(monthIndex(coveredUntil.slice(0, 7)) + 1);
}
