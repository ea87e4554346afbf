import { randomUUID } from 'node:crypto';
import {
  CoverageResult, DecisionResult, PaymentResult, SubmittedResult, systemOf,
  type BankAccount, type ClaimAmounts, type ClaimStatus, type StepName,
} from '@sutasoma/contracts';
import type { NewOperation } from '@sutasoma/ledger';
import type { Pii } from '@sutasoma/pii';
import { claimStatus, holderCheck, sumAmounts, type PayoutApproval } from './claim-rules.ts';
import { eachInput, idempotencyKeyFor, jobMessage, type FlowDefinition } from './engine.ts';

/**
 * The death (JKM) claim, filed by the agent with the heir's data and the death certificate:
 *
 *   bpjs.check_coverage   was the participant covered on the date of death? (unknown to BPJS: refused)  → coverage_confirmed
 *   bpjs.submit_claim     the benefit by part, from configuration                                          → submitted
 *   bpjs.await_decision   BPJS's decision webhook                                                          → approved | rejected
 *   bank.pay_heir         the approved total to the heir's account                                         → paid
 */
export const JKM_KIND = 'jkm_claim';
const STEPS: readonly StepName[] = ['bpjs.check_coverage', 'bpjs.submit_claim', 'bpjs.await_decision', 'bank.pay_heir'];

export interface JkmOrder {
  type: 'jkm';
  kpj: string;
  nik: string;
  dateOfDeath: string;
  deathCertificateRef: string;
  heir: { nik: string; name: string; relation: string; account: BankAccount };
  children: { name: string; schoolLevel: string }[];
  requested: ClaimAmounts;
}

export interface JkmResult {
  coveredUntil?: string;
  bpjsClaimId?: string;
  decision?: { approved: ClaimAmounts; decidedAt: string };
  payouts?: { heir?: { bankReference: string; amount: number } };
  payoutApproval?: PayoutApproval;
}

/** The death claim's rows; the ledger holds the NIKs, the heir, the children and the certificate sealed. */
export function newJkmClaim(pii: Pii, c: { agentId: string; villageCode: string; nikIndex: string; correlationId: string; order: JkmOrder }): NewOperation {
  const id = randomUUID();
  const o = c.order;
  return {
    id,
    kind: JKM_KIND,
    agentId: c.agentId,
    villageCode: c.villageCode,
    nikIndex: c.nikIndex,
    correlationId: c.correlationId,
    request: pii.protect(o),
    status: 'reported',
    steps: STEPS.map((step, seq) => ({ step, system: systemOf(step), seq, idempotencyKey: idempotencyKeyFor(id, step) })),
    outbox: [jobMessage(pii, id, c.correlationId, 'bpjs.check_coverage', { kpj: o.kpj, nik: o.nik, eventDate: o.dateOfDeath, program: 'jkm' })],
    event: { kind: 'accepted', detail: { by: 'agent', agent: c.agentId, dateOfDeath: o.dateOfDeath, requested: sumAmounts(o.requested) } },
  };
}

export function buildJkmFlow(): FlowDefinition {
  return {
    kind: JKM_KIND,
    // account_unverified waits for a supervisor (POST /v1/claims/{id}/payout-account), as failed waits for an operator.
    terminal: ['rejected', 'failed', 'paid', 'account_unverified'] satisfies ClaimStatus[],

    inputs: eachInput((op, step, pii) => {
      const o = op.request as unknown as JkmOrder;
      const r = op.result as JkmResult;
      switch (step) {
        case 'bpjs.check_coverage':
          return { kpj: o.kpj, nik: o.nik, eventDate: o.dateOfDeath, program: 'jkm' };
        case 'bpjs.submit_claim':
          return {
            claimRef: op.id, program: 'jkm', kpj: o.kpj, nik: o.nik, eventDate: o.dateOfDeath, requested: o.requested,
            deathCertificateRef: o.deathCertificateRef, heir: { nik: o.heir.nik, name: o.heir.name, relation: o.heir.relation },
          };
        case 'bank.pay_heir':
          return {
            amount: sumAmounts(r.decision?.approved), beneficiary: o.heir.account, remark: `SUTASOMA JKM ${r.bpjsClaimId ?? op.id}`,
            // The heir BPJS was asked to approve must hold the account.
            holder: holderCheck(pii, o.heir.account, o.heir.name, r.payoutApproval),
          };
        default:
          throw new Error(`${step} has no job in a death claim`);
      }
    }),

    // A payout the bank refuses (a closed account) waits for an operator: BPJS's approval stands.
    refusalFails: (step) => step === 'bank.pay_heir',

    gate: (op, step) => (step === 'bank.pay_heir' && sumAmounts((op.result as JkmResult).decision?.approved) === 0 ? 'skip' : 'run'),

    succeeded: (op, step, result) => {
      const o = op.request as unknown as JkmOrder;
      const r = op.result as JkmResult;
      switch (step) {
        case 'bpjs.check_coverage':
          return { patch: { coveredUntil: CoverageResult.parse(result).coveredUntil } };
        case 'bpjs.submit_claim':
          return { patch: { bpjsClaimId: SubmittedResult.parse(result).bpjsClaimId } };
        case 'bpjs.await_decision': {
          const d = DecisionResult.parse(result);
          if (sumAmounts(d.approved) > sumAmounts(o.requested)) {
            return { fail: { code: 'amount_mismatch', detail: `BPJS approved Rp ${sumAmounts(d.approved)}, more than the Rp ${sumAmounts(o.requested)} claimed: an operator must settle it` } };
          }
          return { patch: { bpjsClaimId: d.bpjsClaimId, decision: { approved: d.approved, decidedAt: d.decidedAt } } };
        }
        case 'bank.pay_heir': {
          const paid = PaymentResult.parse(result);
          const due = sumAmounts(r.decision?.approved);
          if (paid.amount !== due) {
            return { fail: { code: 'amount_mismatch', detail: `the heir was paid Rp ${paid.amount}, not the Rp ${due} approved: an operator must settle it` } };
          }
          return { patch: { payouts: { heir: { bankReference: paid.bankReference, amount: paid.amount } } } };
        }
        default:
          return { patch: {} };
      }
    },

    status: (steps) => claimStatus(steps, [
      ['bpjs.check_coverage', 'coverage_confirmed'],
      ['bpjs.submit_claim', 'submitted'],
      ['bpjs.await_decision', 'approved'],
    ]),
  };
}
