import t from 'tap';
import { StepEvent, systemOf, type StepName, type StepOutcome, type StepState } from '@sutasoma/contracts';
import { transition, type FlowDefinition, type LoadedOperation } from '../src/flows/engine.ts';
import { registrationFlow } from '../src/flows/registration-flow.ts';
import { buildContributionFlow } from '../src/flows/contribution-flow.ts';
import { buildJkmFlow } from '../src/flows/jkm-flow.ts';
import { buildJkkFlow, jkkSteps } from '../src/flows/jkk-flow.ts';

// Each flow's transitions as a table: an operation in a given state, one event, and what must come
// of it (status, step states, the next step published, the timeline, the reason). No database: a
// transition is `state + event → new state + effects`, decided in memory.

const OP_ID = '00000000-0000-4000-8000-000000000001';

function operation(kind: string, status: string, steps: [StepName, StepState, number?][], request: Record<string, unknown> = {}, result: Record<string, unknown> = {}): LoadedOperation {
  const now = new Date('2026-12-02T00:00:00Z');
  return {
    id: OP_ID, kind, status, agent_id: 'demo-agent', village_code: '7312022001', nik_index: 'index-of-7312024505880007', correlation_id: 'req-1',
    request, result, reason_code: null, reason_detail: null, recoveries: 0, created_at: now, updated_at: now,
    steps: steps.map(([step, state, replays], seq) => ({
      step, system: systemOf(step), seq, state, attempts: state === 'pending' ? 0 : 1, last_error_code: null,
      idempotency_key: `${OP_ID}:${step}`, replays: replays ?? 0, discarded: false, result: null, updated_at: now,
    })),
  };
}

function event(step: StepName, outcome: StepOutcome, extra: Partial<StepEvent> = {}): StepEvent {
  return StepEvent.parse({ operationId: OP_ID, correlationId: 'req-1', step, attempt: 1, outcome, durationMs: 5, at: '2026-12-02T00:00:01Z', ...extra });
}

interface Case {
  name: string;
  flow: FlowDefinition;
  op: LoadedOperation;
  event: StepEvent;
  effect: string;
  status: string;
  steps?: Record<string, StepState>;
  publish?: StepName;
  timeline?: string[];
  reason?: string;
}

const MEMBERSHIP = { farmerGroupId: 'KT-1', farmerGroupName: 'Sipatuo', extensionWorkerId: 'PPL-1', extensionWorkerName: 'Andi' };
const REG: [StepName, StepState][] = [['simluhtan.verify_membership', 'pending'], ['ekartutani.lookup_card', 'pending'], ['bpjs.register_participant', 'pending']];
const reg = (states: StepState[], status: string, replays: number[] = []) =>
  operation('registration', status, REG.map(([s], i) => [s, states[i]!, replays[i] ?? 0]), { nik: '7312024505880007' });

const contribution = buildContributionFlow(
  { jkkRateBps: 24, jkkMin: 10_000, jkkMax: 100_000, jkmAmount: 6_800, monthsAllowed: [1, 2, 3, 6, 12] } as never,
  { contributionBps: 0, agentSharePercent: 0, activationFee: 0 } as never,
);
const cashOp = (status: string, states: StepState[]) => operation('contribution', status,
  [['bank.collect_agent_cash', states[0]!], ['bpjs.post_contribution', states[1]!]], { kpj: '19000000001', months: 1, amount: 16_800, channel: 'agent_cash' });

const jkm = buildJkmFlow();
const JKM: StepName[] = ['bpjs.check_coverage', 'bpjs.submit_claim', 'bpjs.await_decision', 'bank.pay_heir'];

const jkk = buildJkkFlow({} as never);
/** An accident case whose steps up to BPJS's decision are done, the decision arriving; the farmer without a card. */
const jkkAwaitingDecision = (request: Record<string, unknown> = {}) => {
  const steps = jkkSteps(false);
  const decision = steps.indexOf('bpjs.await_decision');
  return operation('jkk_claim', 'submitted', steps.map((s, i) => [s, i < decision ? 'succeeded' : i === decision ? 'running' : 'pending']),
    { type: 'jkk', hasCard: false, ...request }, { requested: { hospital: 2_000_000, lostIncome: 500_000 } });
};
const decided = (approved: Record<string, number>) => event('bpjs.await_decision', 'succeeded', { result: { bpjsClaimId: 'K-2', decision: 'approved', approved, decidedAt: '2026-12-02T00:00:00Z' } });
const ACCOUNT = { bankCode: '002', accountNo: '0021203850002', holderName: 'La Tenri' };

const cases: Case[] = [
  {
    name: 'registration: membership confirmed → verifying, the card lookup published',
    flow: registrationFlow, op: reg(['running', 'pending', 'pending'], 'accepted'), event: event('simluhtan.verify_membership', 'succeeded', { result: MEMBERSHIP }),
    effect: 'applied', status: 'verifying', steps: { 'simluhtan.verify_membership': 'succeeded', 'ekartutani.lookup_card': 'pending' },
    publish: 'ekartutani.lookup_card', timeline: ['step_succeeded simluhtan.verify_membership', 'status_changed simluhtan.verify_membership'],
  },
  {
    name: 'registration: card found → BPJS registration published, status unchanged',
    flow: registrationFlow, op: reg(['succeeded', 'running', 'pending'], 'verifying'), event: event('ekartutani.lookup_card', 'succeeded', { result: { found: true, status: 'active' } }),
    effect: 'applied', status: 'verifying', publish: 'bpjs.register_participant', timeline: ['step_succeeded ekartutani.lookup_card'],
  },
  {
    name: 'registration: BPJS returns the KPJ → registered, nothing more to publish',
    flow: registrationFlow, op: reg(['succeeded', 'succeeded', 'running'], 'verifying'), event: event('bpjs.register_participant', 'succeeded', { result: { kpj: '19000000001' } }),
    effect: 'applied', status: 'registered', steps: { 'bpjs.register_participant': 'succeeded' },
    timeline: ['step_succeeded bpjs.register_participant', 'status_changed bpjs.register_participant'],
  },
  {
    name: 'registration: Simluhtan refuses → rejected with its reason, nothing published',
    flow: registrationFlow, op: reg(['running', 'pending', 'pending'], 'accepted'), event: event('simluhtan.verify_membership', 'rejected', { reasonCode: 'not_in_farmer_group' }),
    effect: 'applied', status: 'rejected', steps: { 'simluhtan.verify_membership': 'rejected' }, reason: 'not_in_farmer_group',
  },
  {
    name: 'registration: an attempt failed → the step is running, the operation verifying, nothing published',
    flow: registrationFlow, op: reg(['pending', 'pending', 'pending'], 'accepted'), event: event('simluhtan.verify_membership', 'attempt_failed', { errorCode: 'PARTNER_TIMEOUT' }),
    effect: 'applied', status: 'verifying', steps: { 'simluhtan.verify_membership': 'running' },
  },
  {
    name: 'registration: the last attempt failed → failed with the error code',
    flow: registrationFlow, op: reg(['succeeded', 'succeeded', 'running'], 'verifying'), event: event('bpjs.register_participant', 'failed', { errorCode: 'PARTNER_UNAVAILABLE' }),
    effect: 'applied', status: 'failed', steps: { 'bpjs.register_participant': 'failed' }, reason: 'PARTNER_UNAVAILABLE',
  },
  {
    name: 'registration: an event for a step already succeeded is a duplicate',
    flow: registrationFlow, op: reg(['succeeded', 'running', 'pending'], 'verifying'), event: event('simluhtan.verify_membership', 'succeeded', { result: MEMBERSHIP }),
    effect: 'duplicate', status: 'verifying',
  },
  {
    name: 'registration: an event from before the operator\'s replay is stale',
    flow: registrationFlow, op: reg(['running', 'pending', 'pending'], 'verifying', [1]), event: event('simluhtan.verify_membership', 'succeeded', { result: MEMBERSHIP, replay: 0 }),
    effect: 'duplicate', status: 'verifying',
  },
  {
    name: 'registration: a closed operation takes no event',
    flow: registrationFlow, op: reg(['rejected', 'pending', 'pending'], 'rejected'), event: event('ekartutani.lookup_card', 'succeeded', { result: { found: false } }),
    effect: 'operation_closed', status: 'rejected',
  },
  {
    name: 'contribution: the agent\'s cash collected in full → paid, the BPJS posting published',
    flow: contribution, op: cashOp('accepted', ['running', 'pending']), event: event('bank.collect_agent_cash', 'succeeded', { result: { bankReference: 'AGT-1', amount: 16_800 } }),
    effect: 'applied', status: 'paid', publish: 'bpjs.post_contribution',
  },
  {
    name: 'contribution: a different amount collected → failed amount_mismatch, nothing posted',
    flow: contribution, op: cashOp('accepted', ['running', 'pending']), event: event('bank.collect_agent_cash', 'succeeded', { result: { bankReference: 'AGT-1', amount: 16_000 } }),
    effect: 'applied', status: 'failed', steps: { 'bank.collect_agent_cash': 'failed' }, reason: 'amount_mismatch',
  },
  {
    name: 'contribution: BPJS posts it → posted',
    flow: contribution, op: cashOp('paid', ['succeeded', 'running']),
    event: event('bpjs.post_contribution', 'succeeded', { result: { receipt: 'R-1', periodStart: '2026-12-01', periodEnd: '2026-12-31' } }),
    effect: 'applied', status: 'posted',
  },
  {
    name: 'death claim: BPJS approves nothing to pay → the heir\'s payout is skipped and the claim ends paid',
    flow: jkm, op: operation('jkm_claim', 'submitted', JKM.map((s, i) => [s, i < 2 ? 'succeeded' : i === 2 ? 'running' : 'pending']), { requested: { funeral: 10_000_000 } }),
    event: event('bpjs.await_decision', 'succeeded', { result: { bpjsClaimId: 'K-1', decision: 'approved', approved: {}, decidedAt: '2026-12-02T00:00:00Z' } }),
    effect: 'applied', status: 'paid', steps: { 'bpjs.await_decision': 'succeeded', 'bank.pay_heir': 'succeeded' },
    timeline: ['step_succeeded bpjs.await_decision', 'step_skipped bank.pay_heir', 'status_changed bpjs.await_decision'],
  },
  {
    name: 'death claim: BPJS approves more than claimed → failed for an operator, nothing paid',
    flow: jkm, op: operation('jkm_claim', 'submitted', JKM.map((s, i) => [s, i < 2 ? 'succeeded' : i === 2 ? 'running' : 'pending']), { requested: { funeral: 10_000_000 } }),
    event: event('bpjs.await_decision', 'succeeded', { result: { bpjsClaimId: 'K-1', decision: 'approved', approved: { funeral: 20_000_000 }, decidedAt: '2026-12-02T00:00:00Z' } }),
    effect: 'applied', status: 'failed', reason: 'amount_mismatch',
  },
  {
    name: 'accident claim: BPJS approves the bill → the hospital\'s payout published',
    flow: jkk, op: jkkAwaitingDecision({ payoutAccount: ACCOUNT }), event: decided({ hospital: 2_000_000, lostIncome: 500_000 }),
    effect: 'applied', status: 'approved', publish: 'bank.pay_hospital',
  },
  {
    name: 'accident claim: nothing for the hospital, lost income for a farmer with no card and no account → the hospital payout skipped, the farmer\'s fails for an operator',
    flow: jkk, op: jkkAwaitingDecision(), event: decided({ lostIncome: 500_000 }),
    effect: 'applied', status: 'failed', steps: { 'bank.pay_hospital': 'succeeded', 'bank.pay_benefit': 'failed' }, reason: 'payout_account_missing',
    timeline: ['step_succeeded bpjs.await_decision', 'step_skipped bank.pay_hospital', 'step_failed bank.pay_benefit', 'status_changed bpjs.await_decision'],
  },
  {
    name: 'accident claim: the bank refuses the hospital\'s payout → the step fails for an operator (BPJS\'s approval stands), not a rejection',
    flow: jkk, op: (() => {
      const op = jkkAwaitingDecision({ payoutAccount: ACCOUNT });
      op.status = 'approved';
      op.result = { ...op.result, decision: { approved: { hospital: 2_000_000, lostIncome: 500_000 }, decidedAt: '2026-12-02T00:00:00Z' } };
      op.steps = op.steps.map((st) => (st.step === 'bpjs.await_decision' ? { ...st, state: 'succeeded' } : st.step === 'bank.pay_hospital' ? { ...st, state: 'running' } : st));
      return op;
    })(),
    event: event('bank.pay_hospital', 'rejected', { reasonCode: 'account_closed' }),
    effect: 'applied', status: 'failed', steps: { 'bank.pay_hospital': 'failed' }, reason: 'account_closed',
  },
  {
    name: 'death claim: the bank holds the heir\'s account under another name → account_unverified for a supervisor, nothing paid',
    flow: jkm, op: operation('jkm_claim', 'approved', JKM.map((s, i) => [s, i < 3 ? 'succeeded' : 'running'])),
    event: event('bank.pay_heir', 'rejected', { reasonCode: 'account_name_mismatch', partnerStatus: 200 }),
    effect: 'applied', status: 'account_unverified', steps: { 'bank.pay_heir': 'failed' }, reason: 'account_name_mismatch',
    timeline: ['step_rejected bank.pay_heir', 'status_changed bank.pay_heir'],
  },
  {
    name: 'death claim: the bank knows no such heir\'s account → account_unverified',
    flow: jkm, op: operation('jkm_claim', 'approved', JKM.map((s, i) => [s, i < 3 ? 'succeeded' : 'running'])),
    event: event('bank.pay_heir', 'rejected', { reasonCode: 'beneficiary_account_invalid', partnerStatus: 404 }),
    effect: 'applied', status: 'account_unverified', reason: 'beneficiary_account_invalid',
  },
  {
    name: 'accident claim: the farmer\'s benefit account held under another name → account_unverified (the hospital was paid)',
    flow: jkk, op: (() => {
      const op = jkkAwaitingDecision({ payoutAccount: ACCOUNT });
      op.status = 'approved';
      op.steps = op.steps.map((st) => (st.step === 'bank.pay_benefit' ? { ...st, state: 'running' } : { ...st, state: 'succeeded' }));
      return op;
    })(),
    event: event('bank.pay_benefit', 'rejected', { reasonCode: 'account_name_mismatch', partnerStatus: 200 }),
    effect: 'applied', status: 'account_unverified', steps: { 'bank.pay_benefit': 'failed' }, reason: 'account_name_mismatch',
  },
  {
    name: 'a claim at account_unverified waits for a supervisor: a late event changes nothing',
    flow: jkm, op: (() => {
      const op = operation('jkm_claim', 'account_unverified', JKM.map((s, i) => [s, i < 3 ? 'succeeded' : 'failed']));
      return op;
    })(),
    event: event('bank.pay_heir', 'succeeded', { result: { bankReference: '1', amount: 42_000_000 } }),
    effect: 'operation_closed', status: 'account_unverified',
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const before = structuredClone(c.op);
    const r = transition(c.flow, c.op, c.event);
    t.same(c.op, before, 'the operation given is not changed in place');
    t.equal(r.outcome.effect, c.effect);
    t.equal(r.outcome.status, c.status);
    if (c.effect !== 'applied') {
      t.equal(r.op, undefined, 'nothing to write');
      return;
    }
    t.equal(r.op!.status, c.status);
    for (const [step, state] of Object.entries(c.steps ?? {})) t.equal(r.op!.steps.find((s) => s.step === step)?.state, state, `${step} ${state}`);
    t.equal(r.publish?.step, c.publish, c.publish ? `publishes ${c.publish}` : 'publishes nothing');
    if (c.timeline) t.same(r.events!.map((e) => `${e.kind} ${e.step}`), c.timeline, 'the timeline');
    t.equal(r.outcome.reason?.code, c.reason, c.reason ? `reason ${c.reason}` : 'no reason');
    t.equal(r.op!.reason_code, c.reason ?? null);
  });
}
