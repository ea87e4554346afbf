import { z } from 'zod';
import { BankAccount, BillLine, ClaimAmounts } from './claim-steps.ts';
import { parseNik } from './nik.ts';
import { OperationStep } from './registration.ts';
import { todayInSoppeng } from './time.ts';

/**
 * Claims as agents and supervisors see them: an accident (JKK) case, which the hospital or the
 * agent may report first (both reports become one case), and a death (JKM) claim.
 */
export const ClaimStatus = z.enum([
  'reported', 'coverage_confirmed', 'guaranteed', 'in_treatment', 'submitted', 'approved', 'account_unverified', 'rejected', 'paid', 'failed',
]).describe('account_unverified: BPJS approved, but the bank holds the payout account under another name than the farmer\'s or heir\'s '
  + '(reason account_name_mismatch) or knows no such account (beneficiary_account_invalid); nothing is paid until a supervisor decides');
export type ClaimStatus = z.infer<typeof ClaimStatus>;
export const TERMINAL_CLAIM_STATUSES: readonly ClaimStatus[] = ['rejected', 'paid', 'failed'];
export const ClaimType = z.enum(['jkk', 'jkm']);

const Kpj = z.string().regex(/^\d{11}$/, 'must be an 11-digit KPJ');
const Nik = z.string().regex(/^\d{16}$/, 'must be exactly 16 digits')
  .refine((v) => parseNik(v) !== null, 'is not a valid NIK (area, birth date or serial digits)');

function isRealDate(value: string): boolean {
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}
const PastDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine(isRealDate, 'is not a real calendar date')
  .refine((v) => !isRealDate(v) || v <= todayInSoppeng(), 'is in the future');

const Participant = {
  kpj: Kpj.optional().describe('the participant, by KPJ (or give nik)'),
  nik: Nik.optional().describe('the participant, by NIK (or give kpj)'),
};

export const HeirRelation = z.enum(['spouse', 'child', 'parent', 'sibling', 'grandchild', 'grandparent', 'other']);
export const SchoolLevel = z.enum(['tk_sd', 'smp', 'sma', 'university']);

export const JkkClaimRequest = z.object({
  type: z.literal('jkk'),
  ...Participant,
  accidentDate: PastDate,
  description: z.string().trim().min(5).max(500).describe('what happened, where'),
  payoutAccount: BankAccount.optional()
    .describe('where the lost-income benefit goes; required when the farmer has no active e-Kartu Tani card'),
}).strict();

export const JkmClaimRequest = z.object({
  type: z.literal('jkm'),
  ...Participant,
  dateOfDeath: PastDate,
  deathCertificateRef: z.string().trim().min(3).max(64).describe('the death certificate (akta kematian) number'),
  heir: z.object({
    nik: Nik,
    name: z.string().trim().min(2).max(100),
    relation: HeirRelation,
    account: BankAccount,
  }).strict(),
  children: z.array(z.object({ name: z.string().trim().min(2).max(100), schoolLevel: SchoolLevel }).strict()).max(2).optional()
    .describe('children in school, for the education benefit (up to 2, after the configured contribution period)'),
}).strict();

export const ClaimRequest = z.discriminatedUnion('type', [JkkClaimRequest, JkmClaimRequest]).superRefine((b, ctx) => {
  if ((b.kpj === undefined) === (b.nik === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['kpj'], message: 'give exactly one of kpj or nik' });
  }
}).meta({ id: 'ClaimRequest' });
export type ClaimRequest = z.infer<typeof ClaimRequest>;

export const ClaimAccepted = z.object({
  id: z.uuid(),
  type: ClaimType,
  status: ClaimStatus,
  merged: z.boolean().describe('true when this report joined a case the hospital had already opened'),
  createdAt: z.string(),
}).meta({ id: 'ClaimAccepted' });

const Payout = z.object({
  to: z.enum(['hospital', 'farmer', 'heir']),
  channel: z.enum(['bank_transfer', 'kartu_tani_credit']),
  amount: z.number().int().nullable().describe('rupiah, once decided'),
  state: z.enum(['pending', 'running', 'succeeded', 'rejected', 'failed', 'skipped']),
  bankReference: z.string().nullable(),
});

export const Claim = z.object({
  id: z.uuid(),
  type: ClaimType,
  status: ClaimStatus,
  kpj: z.string(),
  nikMasked: z.string(),
  eventDate: z.string().describe('the accident date (JKK) or the date of death (JKM)'),
  reportedBy: z.array(z.enum(['agent', 'hospital'])),
  lateReport: z.object({ deadline: z.string(), reportedAt: z.string(), late: z.boolean() }).nullable()
    .describe('JKK: the first report is due within the configured hours of the accident; a late one is flagged, not refused'),
  coverage: z.object({ coveredUntil: z.string() }).nullable(),
  hospital: z.object({
    hospitalId: z.string(), encounterId: z.string(), admittedAt: z.string(), dischargedAt: z.string().nullable(),
  }).nullable(),
  guarantee: z.object({ plkkCaseId: z.string(), guaranteeId: z.string(), issuedAt: z.string() }).nullable(),
  bill: z.object({ billId: z.string(), total: z.number().int(), lines: z.array(BillLine) }).nullable(),
  requested: ClaimAmounts.nullable().describe('what the claim asks BPJS for, by part (rupiah)'),
  decision: z.object({
    decision: z.enum(['approved', 'rejected']),
    reasonCode: z.string().nullable(),
    approved: ClaimAmounts.nullable(),
    bpjsClaimId: z.string().nullable(),
    decidedAt: z.string().nullable(),
  }).nullable(),
  payouts: z.array(Payout),
  heir: z.object({ nikMasked: z.string(), name: z.string(), relation: HeirRelation }).nullable(),
  reason: z.object({ code: z.string(), detail: z.string() }).nullable(),
  history: z.array(z.object({ status: ClaimStatus, at: z.string(), reason: z.string().nullable() }))
    .describe('every status the claim went through, in order'),
  steps: z.array(OperationStep),
  createdAt: z.string(),
  updatedAt: z.string(),
}).meta({ id: 'Claim' });
export type Claim = z.infer<typeof Claim>;

export const ClaimList = z.object({
  kpj: z.string(),
  items: z.array(Claim.pick({ id: true, type: true, status: true, eventDate: true, reason: true, createdAt: true, updatedAt: true })),
}).meta({ id: 'ClaimList' });

/**
 * A supervisor's (or operator's) decision on a claim stopped at `account_unverified`: `approve` pays the
 * account the agent gave anyway (the bank's name check is waived for that one account), `reject` ends
 * the claim `rejected` (`payout_account_rejected`): BPJS's approval stands with BPJS, and the agent
 * files again with the farmer's or heir's own account. Either is recorded in ops_audit with who and why.
 */
export const PayoutAccountDecision = z.object({
  decision: z.enum(['approve', 'reject']),
  reason: z.string().trim().min(3).max(500).describe('why: kept in the audit trail (ops_audit), e.g. how the holder was confirmed'),
}).strict().meta({ id: 'PayoutAccountDecision' });
export type PayoutAccountDecision = z.infer<typeof PayoutAccountDecision>;

export const PayoutAccountDecided = z.object({
  id: z.uuid(),
  decision: PayoutAccountDecision.shape.decision,
  status: ClaimStatus.describe('approve: the payout is running again (approved); reject: rejected'),
  auditId: z.number().int().describe('the ops_audit row of this decision'),
}).meta({ id: 'PayoutAccountDecided' });

/** A notification a partner sent on its own, as operators see it. */
export const IntakeEventView = z.object({
  id: z.number().int(),
  source: z.string(),
  deliveryId: z.string(),
  type: z.string(),
  outcome: z.enum(['created', 'merged', 'applied', 'duplicate', 'refused']),
  reasonCode: z.string().nullable(),
  reasonDetail: z.string().nullable(),
  operationId: z.uuid().nullable(),
  partnerRef: z.string().nullable(),
  correlationId: z.string(),
  nikMasked: z.string(),
  receivedAt: z.string(),
  processedAt: z.string(),
}).meta({ id: 'IntakeEvent' });
