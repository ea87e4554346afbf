import { randomUUID } from 'node:crypto';
import {
  AdmissionResult, CoverageResult, DecisionResult, DischargeResult, FollowupResult, GuaranteeResult, NotifyGuaranteeResult,
  PaymentResult, SubmittedResult, systemOf,
  type BankAccount, type ClaimAmounts, type ClaimStatus, type HospitalBill, type StepName,
} from '@sutasoma/contracts';
import type { NewOperation } from '@sutasoma/ledger';
import type { Pii } from '@sutasoma/pii';
import { registeredNames } from '../participants.ts';
import { claimStatus, holderCheck, lostIncome, reportDeadline, type ClaimRules, type PayoutApproval } from './claim-rules.ts';
import { idempotencyKeyFor, jobMessage, type FlowDefinition, type OperationRow } from './engine.ts';

/**
 * The accident (JKK) case, top to bottom. The hospital (its admission notification) or the agent
 * (`POST /v1/claims`) may report first; the other report joins the same case.
 *
 *   bpjs.check_coverage        was the farmer covered on the accident date?   → coverage_confirmed
 *   hospital.await_admission   the hospital's admission (done at once when the hospital reported first)
 *   plkk.report_case           stage I report; the PLKK guarantees treatment → guaranteed
 *   hospital.notify_guarantee  the hospital system learns treatment is guaranteed → in_treatment
 *   hospital.await_discharge   the discharge with the bill
 *   plkk.report_followup       stage II report with the bill
 *   bpjs.submit_claim          the bill and the lost income, to BPJS         → submitted
 *   bpjs.await_decision        BPJS's decision webhook                       → approved | rejected
 *   bank.pay_hospital          the bill, to the facility's account
 *   ekartutani.credit_card     lost income to the farmer-card account, or
 *   bank.pay_benefit           to the account the agent gave                  → paid
 */
export const JKK_KIND = 'jkk_claim';

export type Report = { by: 'agent'; at: string; agentId: string } | { by: 'hospital'; at: string; hospitalId: string; deliveryId: string };

/**
 * What is stored as the case's request: the participant and the first report, completed by later ones.
 * The ledger holds its personal fields (NIK, the accident's description, the payout account) sealed.
 */
export interface JkkOrder {
  type: 'jkk';
  kpj: string;
  nik: string;
  accidentDate: string;
  description: string;
  declaredIncome: number;
  hasCard: boolean;
  payoutAccount?: BankAccount;
  firstReportedAt: string;
  deadline: string;
  late: boolean;
}

export interface JkkResult {
  reports?: Report[];
  coveredUntil?: string;
  hospitalId?: string;
  encounterId?: string;
  admittedAt?: string;
  dischargedAt?: string;
  bill?: HospitalBill;
  plkkCaseId?: string;
  guaranteeId?: string;
  guaranteeIssuedAt?: string;
  payee?: BankAccount;
  requested?: ClaimAmounts;
  bpjsClaimId?: string;
  decision?: { approved: ClaimAmounts; decidedAt: string };
  payouts?: Partial<Record<'hospital' | 'farmer', { bankReference: string; amount: number }>>;
  payoutApproval?: PayoutApproval;
}

const FIRST_STEPS: readonly StepName[] = [
  'bpjs.check_coverage', 'hospital.await_admission', 'plkk.report_case', 'hospital.notify_guarantee', 'hospital.await_discharge',
  'plkk.report_followup', 'bpjs.submit_claim', 'bpjs.await_decision', 'bank.pay_hospital',
];
/** The lost-income payout: to the farmer-card account where there is a card, else to the account the agent gave. */
export const jkkSteps = (hasCard: boolean): StepName[] => [...FIRST_STEPS, hasCard ? 'ekartutani.credit_card' : 'bank.pay_benefit'];

export interface NewJkkCase {
  participant: { kpj: string; nik: string; nikIndex: string; agentId: string; villageCode: string; declaredIncome: number; hasCard: boolean };
  accidentDate: string;
  description: string;
  payoutAccount?: BankAccount;
  correlationId: string;
  report: Report;
  /** The hospital's admission, when the hospital reported first. */
  admission?: { hospitalId: string; encounterId: string; admittedAt: string };
}

export function newJkkCase(pii: Pii, rules: ClaimRules, c: NewJkkCase): NewOperation {
  const id = randomUUID();
  const deadline = reportDeadline(rules, c.accidentDate);
  const order: JkkOrder = {
    type: 'jkk',
    kpj: c.participant.kpj,
    nik: c.participant.nik,
    accidentDate: c.accidentDate,
    description: c.description,
    declaredIncome: c.participant.declaredIncome,
    hasCard: c.participant.hasCard,
    ...(c.payoutAccount ? { payoutAccount: c.payoutAccount } : {}),
    firstReportedAt: c.report.at,
    deadline: deadline.toISOString(),
    late: Date.parse(c.report.at) > deadline.getTime(),
  };
  const steps = jkkSteps(c.participant.hasCard);
  const result: JkkResult = { reports: [c.report], ...(c.admission ?? {}) };
  return {
    id,
    kind: JKK_KIND,
    agentId: c.participant.agentId,
    villageCode: c.participant.villageCode,
    nikIndex: c.participant.nikIndex,
    correlationId: c.correlationId,
    request: pii.protect(order),
    status: 'reported',
    result: result as Record<string, unknown>,
    steps: steps.map((step, seq) => ({
      step, system: systemOf(step), seq, idempotencyKey: idempotencyKeyFor(id, step),
      ...(step === 'hospital.await_admission' && c.admission ? { state: 'succeeded', result: c.admission } : {}),
    })),
    outbox: [jobMessage(pii, id, c.correlationId, 'bpjs.check_coverage', { kpj: order.kpj, nik: order.nik, eventDate: order.accidentDate, program: 'jkk' })],
    event: {
      kind: 'accepted',
      detail: { by: c.report.by, accidentDate: c.accidentDate, late: order.late, deadline: order.deadline, ...(c.admission ? { hospitalId: c.admission.hospitalId } : {}) },
    },
  };
}

const PAYOUTS: Partial<Record<StepName, 'hospital' | 'farmer'>> = {
  'bank.pay_hospital': 'hospital',
  'ekartutani.credit_card': 'farmer',
  'bank.pay_benefit': 'farmer',
};

function payoutAmount(r: JkkResult, to: 'hospital' | 'farmer'): number {
  return (to === 'hospital' ? r.decision?.approved.hospital : r.decision?.approved.lostIncome) ?? 0;
}

/** A step's job input; `farmerName` (registered) for the benefit paid to an account the agent gave. */
function jkkInput(pii: Pii, op: OperationRow, step: StepName, farmerName: string | undefined): Record<string, unknown> {
  const o = op.request as unknown as JkkOrder;
  const r = op.result as JkkResult;
  const remark = `SUTASOMA JKK ${r.plkkCaseId ?? op.id}`;
  switch (step) {
    case 'bpjs.check_coverage':
      return { kpj: o.kpj, nik: o.nik, eventDate: o.accidentDate, program: 'jkk' };
    case 'plkk.report_case':
      return {
        caseRef: op.id, kpj: o.kpj, nik: o.nik, accidentDate: o.accidentDate, description: o.description,
        facilityId: r.hospitalId, encounterId: r.encounterId, admittedAt: r.admittedAt, deadline: o.deadline, late: o.late,
      };
    case 'hospital.notify_guarantee':
      return { hospitalId: r.hospitalId, encounterId: r.encounterId, nik: o.nik, plkkCaseId: r.plkkCaseId, guaranteeId: r.guaranteeId, issuedAt: r.guaranteeIssuedAt };
    case 'plkk.report_followup':
      return { plkkCaseId: r.plkkCaseId, dischargedAt: r.dischargedAt, bill: r.bill };
    case 'bpjs.submit_claim':
      return {
        claimRef: op.id, program: 'jkk', kpj: o.kpj, nik: o.nik, eventDate: o.accidentDate, requested: r.requested,
        plkkCaseId: r.plkkCaseId, guaranteeId: r.guaranteeId,
      };
    case 'bank.pay_hospital':
      return { amount: payoutAmount(r, 'hospital'), beneficiary: r.payee, remark };
    case 'ekartutani.credit_card':
      return { nik: o.nik, amount: payoutAmount(r, 'farmer'), remark };
    case 'bank.pay_benefit': {
      if (!o.payoutAccount || !farmerName) throw new Error(`claim ${op.id}: a benefit to an account needs the account and the farmer's registered name`);
      return { amount: payoutAmount(r, 'farmer'), beneficiary: o.payoutAccount, remark, holder: holderCheck(pii, o.payoutAccount, farmerName, r.payoutApproval) };
    }
    default:
      throw new Error(`${step} has no job in an accident case`);
  }
}

export function buildJkkFlow(rules: ClaimRules): FlowDefinition {
  return {
    kind: JKK_KIND,
    // account_unverified waits for a supervisor (POST /v1/claims/{id}/payout-account), as failed waits for an operator.
    terminal: ['rejected', 'failed', 'paid', 'account_unverified'] satisfies ClaimStatus[],

    // The lost-income benefit to an account the agent gave is checked against the farmer's registered name.
    inputs: async (tx, items, pii) => {
      const names = await registeredNames(tx, pii, items.filter((i) => i.step === 'bank.pay_benefit').map((i) => i.op.nik_index));
      return items.map(({ op, step }) => jkkInput(pii, op, step, names.get(op.nik_index)));
    },

    // A payout the bank or card system refuses (a closed account) waits for an operator: BPJS's approval stands.
    refusalFails: (step) => PAYOUTS[step] !== undefined,

    gate: (op, step) => {
      const to = PAYOUTS[step];
      if (!to) return 'run';
      if (payoutAmount(op.result as JkkResult, to) === 0) return 'skip';
      if (step === 'bank.pay_benefit' && !(op.request as unknown as JkkOrder).payoutAccount) {
        return { fail: { code: 'payout_account_missing', detail: 'the farmer has no farmer card and no account was given: the agent must report one, then an operator replays the payout' } };
      }
      return 'run';
    },

    succeeded: (op, step, result) => {
      const o = op.request as unknown as JkkOrder;
      const r = op.result as JkkResult;
      switch (step) {
        case 'bpjs.check_coverage':
          return { patch: { coveredUntil: CoverageResult.parse(result).coveredUntil } };
        case 'hospital.await_admission':
          return { patch: AdmissionResult.parse(result) };
        case 'plkk.report_case': {
          const g = GuaranteeResult.parse(result);
          return { patch: { plkkCaseId: g.plkkCaseId, guaranteeId: g.guaranteeId, guaranteeIssuedAt: g.issuedAt, payee: g.payee } };
        }
        case 'hospital.notify_guarantee':
          return { patch: { guaranteeNotificationId: NotifyGuaranteeResult.parse(result).notificationId } };
        case 'hospital.await_discharge': {
          const d = DischargeResult.parse(result);
          const requested = { hospital: d.bill.total, lostIncome: lostIncome(rules, o.declaredIncome, r.admittedAt ?? d.dischargedAt, d.dischargedAt) };
          return { patch: { dischargedAt: d.dischargedAt, bill: d.bill, requested } };
        }
        case 'plkk.report_followup':
          return { patch: { followupReportId: FollowupResult.parse(result).reportId } };
        case 'bpjs.submit_claim':
          return { patch: { bpjsClaimId: SubmittedResult.parse(result).bpjsClaimId } };
        case 'bpjs.await_decision': {
          const d = DecisionResult.parse(result);
          for (const part of ['hospital', 'lostIncome'] as const) {
            if ((d.approved[part] ?? 0) > (r.requested?.[part] ?? 0)) {
              return { fail: { code: 'amount_mismatch', detail: `BPJS approved Rp ${d.approved[part]} of ${part}, more than the Rp ${r.requested?.[part] ?? 0} claimed: an operator must settle it` } };
            }
          }
          return { patch: { bpjsClaimId: d.bpjsClaimId, decision: { approved: d.approved, decidedAt: d.decidedAt } } };
        }
        default: {
          const to = PAYOUTS[step];
          if (!to) return { patch: {} };
          const paid = PaymentResult.parse(result);
          if (paid.amount !== payoutAmount(r, to)) {
            return { fail: { code: 'amount_mismatch', detail: `${step} moved Rp ${paid.amount}, not the Rp ${payoutAmount(r, to)} approved: an operator must settle it` } };
          }
          return { patch: { payouts: { ...r.payouts, [to]: { bankReference: paid.bankReference, amount: paid.amount } } } };
        }
      }
    },

    status: (steps) => claimStatus(steps, [
      ['bpjs.check_coverage', 'coverage_confirmed'],
      ['plkk.report_case', 'guaranteed'],
      ['hospital.notify_guarantee', 'in_treatment'],
      ['bpjs.submit_claim', 'submitted'],
      ['bpjs.await_decision', 'approved'],
    ]),
  };
}

export type JkkOperation = OperationRow & { request: JkkOrder };
