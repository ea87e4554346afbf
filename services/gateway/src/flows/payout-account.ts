import { PayoutAccountReason, type ClaimStatus, type PayoutAccountDecision } from '@sutasoma/contracts';
import type { PoolClient } from '@sutasoma/ledger';
import type { Pii } from '@sutasoma/pii';
import { approvedAccount, unverifiedPayout, type PayoutApproval } from './claim-rules.ts';
import { lockAndLoad, replayStep, type FlowDefinition } from './engine.ts';
import type { JkkOrder } from './jkk-flow.ts';
import type { JkmOrder } from './jkm-flow.ts';

export type PayoutDecisionOutcome =
  | { kind: 'decided'; status: ClaimStatus; auditId: number }
  | { kind: 'not_found' }
  | { kind: 'not_pending'; status: string };

const masked = (accountNo: string) => `${'*'.repeat(Math.max(0, accountNo.length - 4))}${accountNo.slice(-4)}`;

/**
 * A supervisor's decision on a claim at `account_unverified`, in the caller's transaction, audited in
 * ops_audit (who, why, which payout, the account masked) before anything changes. `approve` records
 * the approval of exactly that account on the claim and runs its payout step again (a replay: the same
 * partner reference, so never paid twice), whose job then carries the approval in place of the name
 * check. `reject` ends the claim `rejected` (`payout_account_rejected`).
 */
export async function decidePayoutAccount(
  tx: PoolClient, pii: Pii, flows: ReadonlyMap<string, FlowDefinition>, claimId: string,
  d: PayoutAccountDecision & { actor: string },
): Promise<PayoutDecisionOutcome> {
  const op = (await lockAndLoad(tx, pii, [claimId])).get(claimId);
  if (!op || !flows.has(op.kind) || !['jkk_claim', 'jkm_claim'].includes(op.kind)) return { kind: 'not_found' };
  const step = unverifiedPayout(op.steps);
  if (op.status !== 'account_unverified' || !step) return { kind: 'not_pending', status: op.status };
  const order = op.request as unknown as Partial<JkkOrder> & Partial<JkmOrder>;
  const account = step.step === 'bank.pay_heir' ? order.heir!.account : order.payoutAccount!;
  const status: ClaimStatus = d.decision === 'approve' ? 'approved' : 'rejected';

  const audit = await tx.query<{ id: string }>(
    'INSERT INTO ops_audit (actor, action, target, reason, request, result, status) VALUES ($1, $2, $3, $4, $5, $6, 200) RETURNING id',
    [d.actor, `payout_account ${d.decision}`, `/v1/claims/${claimId}`, d.reason,
      JSON.stringify({ decision: d.decision, step: step.step, bankCode: account.bankCode, accountNo: masked(account.accountNo) }),
      JSON.stringify({ from: op.status, to: status, bankAnswer: step.last_error_code })],
  );
  const auditId = Number(audit.rows[0]!.id);

  if (d.decision === 'approve') {
    const approval: PayoutApproval = { account: approvedAccount(pii, account), approvedBy: d.actor, auditId, at: new Date().toISOString() };
    await tx.query("UPDATE operations SET result = result || jsonb_build_object('payoutApproval', $2::jsonb) WHERE id = $1", [claimId, JSON.stringify(approval)]);
    const replayed = await replayStep(tx, pii, flows, claimId, step.step, { actor: d.actor, reason: d.reason }, false);
    if (replayed !== 'replayed') throw new Error(`claim ${claimId}: the approved payout could not run again (${replayed})`);
  } else {
    await tx.query("UPDATE operation_steps SET state = 'rejected', last_error_code = $3, updated_at = now() WHERE operation_id = $1 AND step = $2",
      [claimId, step.step, PayoutAccountReason.payoutAccountRejected]);
    await tx.query("UPDATE operations SET status = 'rejected', reason_code = $2, reason_detail = $3, updated_at = now() WHERE id = $1",
      [claimId, PayoutAccountReason.payoutAccountRejected, `the payout account was refused by ${d.actor}: ${d.reason}`]);
  }
  await tx.query(
    `INSERT INTO operation_events (operation_id, kind, step, detail) VALUES
       ($1, 'payout_account_decided', $2, $3), ($1, 'status_changed', $2, $4)`,
    [claimId, step.step, JSON.stringify({ decision: d.decision, by: d.actor, reason: d.reason, auditId }),
      JSON.stringify({ from: op.status, to: status, reason: d.decision === 'approve' ? 'payout_account_approved' : PayoutAccountReason.payoutAccountRejected })],
  );
  return { kind: 'decided', status, auditId };
}
