import { randomUUID } from 'node:crypto';
import {
  PaymentResult, PostingResult, VaResult, systemOf, todayInSoppeng,
  type Contribution, type ContributionChannel, type ContributionRules, type ContributionStatus, type StepName,
} from '@sutasoma/contracts';
import type { NewOperation, PoolClient } from '@sutasoma/ledger';
import type { Pii } from '@sutasoma/pii';
import { lastDayOf, periodStart } from '../coverage.ts';
import { idempotencyKeyFor, jobMessage, stepView, type FlowDefinition, type OperationRow, type StepRow } from './engine.ts';

/**
 * The contribution flow: the money is collected by one of three channels, then BPJS posts the
 * contribution and the participant's coverage extends. The period it buys is decided when it is
 * paid, under a lock on the participant, so coverage is continuous and never bought twice.
 *
 *   agent_cash        bank.collect_agent_cash → bpjs.post_contribution
 *   bank_va           bank.create_va → bank.await_payment (the bank's webhook) → bpjs.post_contribution
 *   kartu_tani_debit  ekartutani.debit_card → bpjs.post_contribution
 */
export const KIND = 'contribution';

export const CHANNEL_STEPS: Record<ContributionChannel, readonly StepName[]> = {
  agent_cash: ['bank.collect_agent_cash', 'bpjs.post_contribution'],
  bank_va: ['bank.create_va', 'bank.await_payment', 'bpjs.post_contribution'],
  kartu_tani_debit: ['ekartutani.debit_card', 'bpjs.post_contribution'],
};
const PAYMENT_STEPS: readonly StepName[] = ['bank.collect_agent_cash', 'bank.await_payment', 'ekartutani.debit_card'];

/** Rates of the cooperation agreement (PKS); configuration. */
export interface FeeRules {
  /** Share of each posted contribution, in basis points; default 750 (7.5 %). */
  contributionBps: number;
  /** The agent's part of that share (the rest goes to the hosting body); default 90. */
  agentSharePercent: number;
  /** Paid once for each registration that becomes active, in rupiah. */
  activationFee: number;
}

/**
 * What is stored as the operation's request: the client's body, completed at acceptance. The ledger
 * holds its personal fields (NIK, source account, payer's name) sealed.
 */
export interface ContributionOrder {
  kpj: string;
  /** Only where a step needs it: the farmer card to debit. */
  nik?: string;
  months: number;
  channel: ContributionChannel;
  amount: number;
  sourceAccountNo?: string;
  customerNo?: string;
  payerName?: string;
  vaExpiresAt?: string;
}

export function newContribution(pii: Pii, opts: { agentId: string; villageCode: string; nikIndex: string; correlationId: string; order: ContributionOrder }): NewOperation {
  const id = randomUUID();
  const order = { ...opts.order };
  if (order.channel === 'bank_va') order.customerNo = String(BigInt(`0x${id.replace(/-/g, '').slice(0, 15)}`) % 10_000_000_000n).padStart(10, '0');
  const steps = CHANNEL_STEPS[order.channel];
  return {
    id,
    kind: KIND,
    agentId: opts.agentId,
    villageCode: opts.villageCode,
    nikIndex: opts.nikIndex,
    correlationId: opts.correlationId,
    request: pii.protect(order),
    steps: steps.map((step, seq) => ({ step, system: systemOf(step), seq, idempotencyKey: idempotencyKeyFor(id, step) })),
    outbox: [jobMessage(pii, id, opts.correlationId, steps[0]!, firstInput(order, steps[0]!))],
    event: { kind: 'accepted', detail: { agent: opts.agentId, channel: order.channel, months: order.months, amount: order.amount } },
  };
}

function firstInput(order: ContributionOrder, step: StepName): Record<string, unknown> {
  switch (step) {
    case 'bank.collect_agent_cash':
      return { sourceAccountNo: order.sourceAccountNo, amount: order.amount };
    case 'bank.create_va':
      return { customerNo: order.customerNo, name: order.payerName, amount: order.amount, expiresAt: order.vaExpiresAt };
    case 'ekartutani.debit_card':
      return { nik: order.nik, amount: order.amount };
    default:
      throw new Error(`${step} does not start a contribution`);
  }
}

export function buildContributionFlow(rules: ContributionRules, fees: FeeRules): FlowDefinition {
  return {
    kind: KIND,
    terminal: ['posted', 'failed', 'expired'] satisfies ContributionStatus[],

    inputs: async (tx, items) => {
      // The period a posting buys is decided now, under a lock on each participant, from what its
      // coverage reaches: read for every posting of the batch at once.
      const kpjs = [...new Set(items.filter((i) => i.step === 'bpjs.post_contribution').map((i) => (i.op.request as unknown as ContributionOrder).kpj))].sort();
      const coveredUntil = new Map<string, string | null>();
      if (kpjs.length > 0) {
        const { rows } = await tx.query<{ kpj: string; covered_until: string | null }>(
          "SELECT kpj, to_char(covered_until, 'YYYY-MM-DD') AS covered_until FROM participants WHERE kpj = ANY($1::text[]) ORDER BY kpj FOR UPDATE",
          [kpjs],
        );
        for (const r of rows) coveredUntil.set(r.kpj, r.covered_until);
      }
      const today = todayInSoppeng();
      return items.map(({ op, step }) => {
        const order = op.request as unknown as ContributionOrder;
        if (step !== 'bpjs.post_contribution') return firstInput(order, step);
        return {
          kpj: order.kpj,
          months: order.months,
          periodStart: periodStart(rules, coveredUntil.get(order.kpj) ?? null, today),
          amount: order.amount,
          channel: order.channel,
          bankReference: String(op.result['bankReference'] ?? ''),
        };
      });
    },

    succeeded: (op, step, result) => {
      const order = op.request as unknown as ContributionOrder;
      if (PAYMENT_STEPS.includes(step)) {
        const paid = PaymentResult.parse(result);
        if (paid.amount !== order.amount) {
          return { fail: { code: 'amount_mismatch', detail: `${step} moved Rp ${paid.amount}, not the Rp ${order.amount} due: an operator must settle it` } };
        }
        return { patch: { bankReference: paid.bankReference, paidAt: new Date().toISOString() } };
      }
      if (step === 'bank.create_va') {
        const va = VaResult.parse(result);
        return { patch: { virtualAccount: { number: va.virtualAccountNo, expiresAt: va.expiresAt } } };
      }
      const posted = PostingResult.parse(result);
      return { patch: { bpjsReceipt: posted.receipt, coverage: { from: posted.periodStart, to: posted.periodEnd } } };
    },

    status: (steps: readonly StepRow[]): ContributionStatus => {
      if (steps.some((s) => s.state === 'failed' || s.state === 'rejected')) return 'failed';
      if (steps.every((s) => s.state === 'succeeded')) return 'posted';
      if (steps.some((s) => PAYMENT_STEPS.includes(s.step) && s.state === 'succeeded')) return 'paid';
      if (steps.some((s) => s.step === 'bank.create_va' && s.state === 'succeeded')) return 'awaiting_payment';
      return 'accepted';
    },

    onStatusChanges: async (tx, changes) => {
      const posted = changes.filter((c) => c.to === 'posted');
      if (posted.length === 0) return;
      const period = todayInSoppeng().slice(0, 7);
      // A farmer has one open contribution at a time, so a batch posts at most one per participant;
      // were there two, each round below would still extend the coverage once for each.
      for (let round = posted; round.length > 0;) {
        const seen = new Set<string>();
        const now: typeof posted = [];
        const later: typeof posted = [];
        for (const c of round) {
          const kpj = (c.op.request as unknown as ContributionOrder).kpj;
          (seen.has(kpj) ? later : now).push(c);
          seen.add(kpj);
        }
        const { rows } = await tx.query<{ kpj: string; first: boolean; agent_id: string }>(
          `UPDATE participants p SET covered_until = x.covered_until::date, months_paid = p.months_paid + x.months,
             first_paid_at = COALESCE(p.first_paid_at, now())
           FROM jsonb_to_recordset($1::jsonb) AS x(kpj text, covered_until text, months int)
           WHERE p.kpj = x.kpj RETURNING p.kpj, (p.months_paid = x.months) AS first, p.agent_id`,
          [JSON.stringify(now.map(({ op }) => {
            const order = op.request as unknown as ContributionOrder;
            return { kpj: order.kpj, covered_until: lastDayOf((op.result['coverage'] as { to: string }).to), months: order.months };
          }))],
        );
        const participant = new Map(rows.map((r) => [r.kpj, r]));
        const accruals: Record<string, unknown>[] = [];
        for (const { op } of now) {
          const order = op.request as unknown as ContributionOrder;
          const contributionFee = Math.floor((order.amount * fees.contributionBps * fees.agentSharePercent) / (10_000 * 100));
          accruals.push({ agent_id: op.agent_id, period, kind: 'contribution', operation_id: op.id, kpj: order.kpj, base_amount: order.amount, amount: contributionFee });
          // The registration becomes active with its first posted contribution: its agent earns the activation fee.
          const p = participant.get(order.kpj);
          if (p?.first && fees.activationFee > 0) {
            accruals.push({ agent_id: p.agent_id, period, kind: 'activation', operation_id: op.id, kpj: order.kpj, base_amount: order.amount, amount: fees.activationFee });
          }
        }
        await tx.query(
          `INSERT INTO agent_fees (agent_id, period, kind, operation_id, kpj, base_amount, amount)
           SELECT f.agent_id, f.period, f.kind, f.operation_id, f.kpj, f.base_amount, f.amount
           FROM jsonb_to_recordset($1::jsonb) AS f(agent_id text, period text, kind text, operation_id uuid, kpj text, base_amount bigint, amount bigint)
           ON CONFLICT (operation_id, kind) DO NOTHING`,
          [JSON.stringify(accruals)],
        );
        round = later;
      }
    },

    sweep: async (tx) => {
      // A virtual account never paid: the contribution expires, nothing is posted.
      const { rows } = await tx.query<{ id: string; status: string }>(
        `WITH expired AS (
           SELECT o.id, o.status FROM operations o
           WHERE o.kind = $1 AND o.status IN ('accepted', 'awaiting_payment')
             AND o.request->>'channel' = 'bank_va' AND (o.request->>'vaExpiresAt')::timestamptz < now()
           FOR UPDATE SKIP LOCKED),
         upd AS (UPDATE operations o SET status = 'expired', reason_code = 'va_expired',
                   reason_detail = 'the virtual account expired unpaid', updated_at = now()
                 FROM expired WHERE o.id = expired.id)
         INSERT INTO operation_events (operation_id, kind, detail)
           SELECT id, 'status_changed', jsonb_build_object('from', status, 'to', 'expired', 'reason', 'va_expired') FROM expired
         RETURNING operation_id AS id, ''::text AS status`,
        [KIND],
      );
      return rows.map((r) => r.id);
    },
  };
}

interface ContributionRow extends OperationRow {
  steps: StepRow[];
}

function toContribution(op: ContributionRow): Contribution {
  const order = op.request as unknown as ContributionOrder;
  const va = op.result['virtualAccount'] as { number: string; expiresAt: string } | undefined;
  return {
    id: op.id,
    status: op.status as ContributionStatus,
    kpj: order.kpj,
    channel: order.channel,
    months: order.months,
    amount: order.amount,
    virtualAccount: va ?? null,
    bankReference: (op.result['bankReference'] as string | undefined) ?? null,
    bpjsReceipt: (op.result['bpjsReceipt'] as string | undefined) ?? null,
    coverage: (op.result['coverage'] as { from: string; to: string } | undefined) ?? null,
    reason: op.reason_code ? { code: op.reason_code, detail: op.reason_detail ?? '' } : null,
    steps: (op.steps ?? []).map(stepView),
    createdAt: new Date(op.created_at).toISOString(),
    updatedAt: new Date(op.updated_at).toISOString(),
  };
}

const SELECT_WITH_STEPS = `SELECT o.*, (SELECT json_agg(s ORDER BY s.seq) FROM operation_steps s WHERE s.operation_id = o.id) AS steps FROM operations o`;

export async function readContribution(db: Pick<PoolClient, 'query'>, id: string): Promise<(Contribution & { villageCode: string }) | null> {
  const { rows } = await db.query<ContributionRow>(`${SELECT_WITH_STEPS} WHERE o.id = $1 AND o.kind = $2`, [id, KIND]);
  return rows[0] ? { ...toContribution(rows[0]), villageCode: rows[0].village_code } : null;
}

/** A participant's last contributions, by the blind index of its NIK. */
export async function lastContributions(db: Pick<PoolClient, 'query'>, nikIndex: string, limit = 12): Promise<Contribution[]> {
  const { rows } = await db.query<ContributionRow>(`${SELECT_WITH_STEPS} WHERE o.kind = $1 AND o.nik_index = $2 ORDER BY o.created_at DESC LIMIT $3`, [KIND, nikIndex, limit]);
  return rows.map(toContribution);
}
