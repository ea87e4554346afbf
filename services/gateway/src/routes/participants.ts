import { z } from 'zod';
import { FeeStatement, Participant, PeriodSchema, Problem, maskNik, monthlyContribution, todayInSoppeng, type ContributionRules, type Principal } from '@sutasoma/contracts';
import type { Pool } from '@sutasoma/ledger';
import type { Pii } from '@sutasoma/pii';
import { problems, type ServiceApp } from '@sutasoma/service-kit';
import { coverageState } from '../coverage.ts';
import { lastContributions } from '../flows/contribution-flow.ts';
import { findParticipant, personOf, type ParticipantRow } from '../participants.ts';

export interface ParticipantRoutesOptions {
  pool: Pool;
  pii: Pii;
  rules: ContributionRules;
}

export async function participantRoutes(app: ServiceApp, opts: ParticipantRoutesOptions) {
  const { pool, pii, rules } = opts;

  const view = async (p: ParticipantRow) => {
    const state = coverageState(rules, p.covered_until, todayInSoppeng());
    return {
      kpj: p.kpj,
      nikMasked: maskNik(personOf(pii, p).nik),
      status: state.status,
      coveredUntil: p.covered_until,
      monthsPaid: p.months_paid,
      monthsInArrears: state.monthsInArrears,
      monthlyAmount: monthlyContribution(rules, Number(p.declared_income)),
      lastContributions: (await lastContributions(pool, p.nik_index, 5)).map((c) => ({
        id: c.id, status: c.status, months: c.months, amount: c.amount, channel: c.channel, coverage: c.coverage, createdAt: c.createdAt,
      })),
    };
  };
  const visible = (principal: Principal, p: ParticipantRow | null): p is ParticipantRow =>
    p !== null && (principal.role !== 'agent' || principal.villages.includes(p.village_code));

  app.get('/v1/participants/:kpj', {
    onRequest: app.requireRole('agent', 'supervisor', 'ops'),
    schema: {
      summary: 'Is this farmer covered, until when, and what was paid',
      tags: ['participants'],
      security: [{ bearerAuth: [] }],
      params: z.object({ kpj: z.string().regex(/^\d{11}$/, 'must be an 11-digit KPJ') }),
      response: { 200: Participant, 400: Problem, 401: Problem, 404: Problem },
    },
  }, async (request) => {
    const p = await findParticipant(pool, pii, { kpj: request.params.kpj });
    if (!visible(request.principal, p)) throw problems.notFound(`No participant ${request.params.kpj}.`);
    return view(p);
  });

  app.post('/v1/participants/lookup', {
    onRequest: app.requireRole('agent', 'supervisor', 'ops'),
    schema: {
      summary: 'Look a participant up by NIK (an agent sees only the villages assigned to it)',
      description: 'The NIK travels in the body, never in a URL, which proxies and access logs keep. Reads only: no Idempotency-Key.',
      tags: ['participants'],
      security: [{ bearerAuth: [] }],
      body: z.object({ nik: z.string().regex(/^\d{16}$/, 'must be exactly 16 digits') }).strict(),
      response: { 200: Participant, 400: Problem, 401: Problem, 404: Problem },
    },
  }, async (request) => {
    const p = await findParticipant(pool, pii, { nik: request.body.nik });
    if (!visible(request.principal, p)) throw problems.notFound('No participant with this NIK.');
    return view(p);
  });

  app.get('/v1/agents/me/fees', {
    onRequest: app.requireRole('agent'),
    schema: {
      summary: 'The agent\'s fee statement for a month',
      tags: ['agents'],
      security: [{ bearerAuth: [] }],
      querystring: z.object({ period: PeriodSchema }).strict(),
      response: { 200: FeeStatement, 400: Problem, 401: Problem, 403: Problem },
    },
  }, async (request) => {
    const { period } = request.query;
    if (period > todayInSoppeng().slice(0, 7)) {
      throw problems.validation([{ field: 'period', code: 'future_period', message: 'is in the future' }]);
    }
    const { rows } = await pool.query<{ kind: 'contribution' | 'activation'; operation_id: string; kpj: string; base_amount: string; amount: string; accrued_at: Date }>(
      'SELECT kind, operation_id, kpj, base_amount, amount, accrued_at FROM agent_fees WHERE agent_id = $1 AND period = $2 ORDER BY id',
      [request.principal.sub, period],
    );
    const items = rows.map((r) => ({
      kind: r.kind, operationId: r.operation_id, kpj: r.kpj, baseAmount: Number(r.base_amount), amount: Number(r.amount), accruedAt: r.accrued_at.toISOString(),
    }));
    const sum = (kind?: string) => items.filter((i) => !kind || i.kind === kind).reduce((n, i) => n + i.amount, 0);
    return { agent: request.principal.sub, period, items, totals: { contribution: sum('contribution'), activation: sum('activation'), total: sum() } };
  });
}

