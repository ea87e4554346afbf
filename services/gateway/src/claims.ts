import { maskNik, type Claim, type ClaimStatus, type StepName } from '@sutasoma/contracts';
import type { PoolClient } from '@sutasoma/ledger';
import type { Pii } from '@sutasoma/pii';
import { sumAmounts } from './flows/claim-rules.ts';
import { revealed, stepView, type OperationRow, type StepRow } from './flows/engine.ts';
import { JKK_KIND, type JkkOrder, type JkkResult } from './flows/jkk-flow.ts';
import { JKM_KIND, type JkmOrder, type JkmResult } from './flows/jkm-flow.ts';

/** Reading claims for the API: the whole story of a case from its operation, steps and timeline. */
export const CLAIM_KINDS = [JKK_KIND, JKM_KIND];

interface ClaimRow extends OperationRow {
  steps: StepRow[];
  history: { status: ClaimStatus; at: string; reason: string | null }[];
}

const SELECT_CLAIM = `SELECT o.*,
    (SELECT json_agg(s ORDER BY s.seq) FROM operation_steps s WHERE s.operation_id = o.id) AS steps,
    (SELECT json_agg(json_build_object('status', e.detail->>'to', 'at', e.at, 'reason', e.detail->>'reason') ORDER BY e.id)
       FROM operation_events e WHERE e.operation_id = o.id AND e.kind = 'status_changed') AS history
  FROM operations o`;

const PAYOUT_STEPS: Partial<Record<StepName, { to: 'hospital' | 'farmer' | 'heir'; channel: 'bank_transfer' | 'kartu_tani_credit' }>> = {
  'bank.pay_hospital': { to: 'hospital', channel: 'bank_transfer' },
  'ekartutani.credit_card': { to: 'farmer', channel: 'kartu_tani_credit' },
  'bank.pay_benefit': { to: 'farmer', channel: 'bank_transfer' },
  'bank.pay_heir': { to: 'heir', channel: 'bank_transfer' },
};

function toClaim(op: ClaimRow): Claim & { villageCode: string } {
  const jkk = op.kind === JKK_KIND;
  const o = op.request as unknown as Omit<JkkOrder, 'type'> & Omit<JkmOrder, 'type'>;
  const r = op.result as JkkResult & JkmResult;
  const steps = op.steps ?? [];
  const decisionStep = steps.find((s) => s.step === 'bpjs.await_decision');
  const approved = r.decision?.approved ?? null;
  const skipped = new Set(steps.filter((s) => s.state === 'succeeded' && s.result === null && PAYOUT_STEPS[s.step]).map((s) => s.step));
  return {
    id: op.id,
    type: jkk ? 'jkk' : 'jkm',
    status: op.status as ClaimStatus,
    kpj: o.kpj,
    nikMasked: maskNik(o.nik),
    eventDate: jkk ? o.accidentDate : o.dateOfDeath,
    reportedBy: jkk ? [...new Set((r.reports ?? []).map((rep) => rep.by))] : ['agent'],
    lateReport: jkk ? { deadline: o.deadline, reportedAt: o.firstReportedAt, late: o.late } : null,
    coverage: r.coveredUntil ? { coveredUntil: r.coveredUntil } : null,
    hospital: r.encounterId && r.hospitalId && r.admittedAt
      ? { hospitalId: r.hospitalId, encounterId: r.encounterId, admittedAt: r.admittedAt, dischargedAt: r.dischargedAt ?? null }
      : null,
    guarantee: r.plkkCaseId && r.guaranteeId && r.guaranteeIssuedAt ? { plkkCaseId: r.plkkCaseId, guaranteeId: r.guaranteeId, issuedAt: r.guaranteeIssuedAt } : null,
    bill: r.bill ? { billId: r.bill.billId, total: r.bill.total, lines: r.bill.lines } : null,
    requested: (jkk ? r.requested : o.requested) ?? null,
    decision: decisionStep?.state === 'succeeded'
      ? { decision: 'approved', reasonCode: null, approved, bpjsClaimId: r.bpjsClaimId ?? null, decidedAt: r.decision?.decidedAt ?? null }
      : decisionStep?.state === 'rejected'
        ? { decision: 'rejected', reasonCode: op.reason_code, approved: null, bpjsClaimId: r.bpjsClaimId ?? null, decidedAt: null }
        : null,
    payouts: steps.filter((s) => PAYOUT_STEPS[s.step]).map((s) => {
      const p = PAYOUT_STEPS[s.step]!;
      const paid = (r.payouts as Record<string, { bankReference: string; amount: number }> | undefined)?.[p.to];
      const amount = p.to === 'hospital' ? approved?.hospital : p.to === 'farmer' ? approved?.lostIncome : approved ? sumAmounts(approved) : undefined;
      return {
        to: p.to, channel: p.channel, amount: amount ?? null,
        state: skipped.has(s.step) ? 'skipped' : s.state,
        bankReference: paid?.bankReference ?? null,
      };
    }),
    heir: jkk ? null : { nikMasked: maskNik(o.heir.nik), name: o.heir.name, relation: o.heir.relation as NonNullable<Claim['heir']>['relation'] },
    reason: op.reason_code ? { code: op.reason_code, detail: op.reason_detail ?? '' } : null,
    history: [{ status: 'reported' as const, at: new Date(op.created_at).toISOString(), reason: null },
      ...(op.history ?? []).map((h) => ({ status: h.status, at: new Date(h.at).toISOString(), reason: h.reason }))],
    steps: steps.map(stepView),
    createdAt: new Date(op.created_at).toISOString(),
    updatedAt: new Date(op.updated_at).toISOString(),
    villageCode: op.village_code,
  };
}

export async function readClaim(db: Pick<PoolClient, 'query'>, pii: Pii, id: string): Promise<(Claim & { villageCode: string }) | null> {
  const { rows } = await db.query<ClaimRow>(`${SELECT_CLAIM} WHERE o.id = $1 AND o.kind = ANY($2)`, [id, CLAIM_KINDS]);
  return rows[0] ? toClaim(revealed(pii, rows[0])) : null;
}

export async function participantClaims(db: Pick<PoolClient, 'query'>, pii: Pii, kpj: string, limit = 50): Promise<Claim[]> {
  const { rows } = await db.query<ClaimRow>(
    `${SELECT_CLAIM} WHERE o.kind = ANY($1) AND o.request->>'kpj' = $2 ORDER BY o.created_at DESC LIMIT $3`, [CLAIM_KINDS, kpj, limit],
  );
  return rows.map((r) => toClaim(revealed(pii, r)));
}
