import { z } from 'zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ErrorCode, FollowUps, MonthlyReport, MonthlyReportQuery, PeriodSchema, Principal, Problem, Ranking, SnapshotRun, SnapshotRunRequest,
  Trend, TrendQuery, findKecamatan, findVillage, maskNik, monthlyContribution, todayInSoppeng,
  type ContributionRules, type RankingWeights, type ReportFigures, type ReportLevel, type Role,
} from '@sutasoma/contracts';
import type { Pool } from '@sutasoma/ledger';
import type { Pii } from '@sutasoma/pii';
import { AppError, problems, type ServiceApp } from '@sutasoma/service-kit';
import { sameOrigin } from '../plugins/browser-guard.ts';
import { coverageState, lastDayOf, monthIndex, monthOf } from '../coverage.ts';
import { personOf } from '../participants.ts';
import { reportCsv } from '../reports/csv.ts';
import { previousPeriod } from '../reports/figures.ts';
import { RANKING_METHOD, rankBpps } from '../reports/ranking.ts';
import { liveReport, produceSnapshot, readSnapshot, snapshotFor, type Snapshot } from '../reports/snapshots.ts';

export interface ReportRoutesOptions {
  pool: Pool;
  pii: Pii;
  rules: ContributionRules;
  weights: RankingWeights;
  followUpDays: number;
  /** Browsers' writes with the review cookie must come from this origin (else the request's own). */
  publicUrl?: string;
  /** The programme's first month (YYYY-MM): earlier ones are refused. */
  programmeStart: string;
  /** The current month's live report is served again for this long. */
  liveCacheMs: number;
}

/** The review page's session cookie: a supervisor's (or operator's) token, HttpOnly, SameSite=Strict. */
export const REVIEW_COOKIE = 'sutasoma_review';

const currentPeriod = () => todayInSoppeng().slice(0, 7);
const DAY_MS = 86_400_000;
function checkBpp(bpp: string | undefined) {
  if (bpp !== undefined && !findKecamatan(bpp)) {
    throw problems.validation([{ field: 'bpp', code: 'unknown_bpp', message: 'is not the kecamatan code of one of Soppeng\'s 8 BPP' }]);
  }
}

export async function reportRoutes(app: ServiceApp, opts: ReportRoutesOptions) {
  const { pool, rules, weights, programmeStart } = opts;
  const lapse = rules.lapseAfterMonths;

  const checkPeriod = (period: string, field = 'period') => {
    if (period > currentPeriod()) throw problems.validation([{ field, code: 'future_period', message: 'is in the future: a month is reported once it has begun' }]);
    if (period < programmeStart) {
      throw problems.validation([{ field, code: 'before_programme', message: `is before the programme began (${programmeStart}): there is nothing to report` }]);
    }
  };

  /** The current month, computed at most once per liveCacheMs by this replica however many ask. */
  let live: { period: string; at: number; report: Promise<Snapshot> } | undefined;
  const liveOf = (period: string): Promise<Snapshot> => {
    if (live?.period === period && Date.now() - live.at < opts.liveCacheMs) return live.report;
    const report = liveReport(pool, period, lapse);
    const entry = { period, at: Date.now(), report };
    live = entry;
    report.catch(() => { if (live === entry) live = undefined; });
    return report;
  };

  /** A bearer token, or the review page's cookie when the request carries no Authorization header. */
  const requireRole = (...roles: Role[]) => {
    const bearer = app.requireRole(...roles);
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const cookie = (request as FastifyRequest & { cookies?: Record<string, string | undefined> }).cookies?.[REVIEW_COOKIE];
      if (request.headers.authorization || !cookie) return bearer(request, reply);
      const principal = await app.verifyToken(cookie).catch(() => null);
      if (!principal) throw problems.unauthorized('The review session has expired: sign in again at /review/login.');
      if (request.method !== 'GET') {
        // A cookie goes wherever the browser is sent: a write with it must be the page's own JSON call.
        sameOrigin(request, opts.publicUrl, true);
        if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
          throw new AppError(415, ErrorCode.unsupportedMediaType, 'Unsupported media type', { detail: 'A write with the review session must send application/json.' });
        }
      }
      if (!roles.includes(principal.role)) throw problems.forbidden(`This needs one of the roles ${roles.join(', ')}.`, ErrorCode.forbidden);
      request.principal = principal;
    };
  };

  /**
   * The month's report: the current month live; a past month its stored snapshot, produced on the
   * review day, or on a supervisor's or operator's first read, never on an agent's (an agent cannot
   * make the gateway compute and keep a month); the month before the programme (the ranking's and
   * trend's baseline) as zeros computed, not stored.
   */
  const reportOf = async (period: string, principal: Principal, version?: number): Promise<Snapshot & { provisional: boolean }> => {
    if (period === currentPeriod()) {
      if (version !== undefined) throw problems.notFound(`${period} is not over: it has no stored versions yet.`);
      return { ...(await liveOf(period)), provisional: true };
    }
    if (period < programmeStart) return { ...(await liveReport(pool, period, lapse)), provisional: false };
    if (principal.role === 'agent' && version === undefined) {
      const s = await readSnapshot(pool, period);
      if (!s) throw problems.notFound(`The review of ${period} has not been produced yet: it is produced on the review day, or when a supervisor opens it.`);
      return { ...s, provisional: false };
    }
    if (version !== undefined) {
      const s = await readSnapshot(pool, period, version);
      if (!s) throw problems.notFound(`No version ${version} of the ${period} snapshot.`);
      return { ...s, provisional: false };
    }
    return { ...(await snapshotFor(pool, period, lapse)), provisional: false };
  };

  const view = (s: Snapshot & { provisional: boolean }, level: ReportLevel, principal: Principal, bpp?: string): MonthlyReport => {
    let rows = s.rows[level];
    let totals: ReportFigures = s.totals;
    let changes = s.changes;
    if (principal.role === 'agent') {
      rows = rows.filter((r) => r.key === principal.sub);
      totals = rows[0]?.figures ?? { ...zeroFigures(), listedFarmers: null, coverageRate: null };
      // Its own row's changes only: not the district's, nor other agents' fees.
      changes = changes?.filter((c) => c.level === 'agent' && c.key === principal.sub) ?? null;
    } else if (bpp) {
      rows = rows.filter((r) => r.bpp === bpp);
      totals = s.rows.bpp.find((r) => r.key === bpp)!.figures;
    }
    return {
      period: s.period, level, monthEnd: lastDayOf(s.period), provisional: s.provisional, version: s.provisional ? null : s.version,
      producedAt: s.producedAt, trigger: s.trigger, directoryAsOf: s.directoryAsOf, rows, totals, changes,
    };
  };

  app.get('/v1/reports/monthly', {
    onRequest: requireRole('agent', 'supervisor', 'ops'),
    schema: {
      summary: 'The month\'s figures per BPP, village, farmer group or agent (CSV with Accept: text/csv)',
      description: 'A past month is its stored snapshot (produced on the review day, or on the first read); the current month is computed live and marked provisional. '
        + 'An agent may ask only for level=agent and sees only its own row. With `Accept: text/csv` the same rows come as CSV, one line per unit and a TOTAL line.',
      tags: ['reports'],
      security: [{ bearerAuth: [] }],
      querystring: MonthlyReportQuery,
      response: { 200: MonthlyReport, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
    },
  }, async (request, reply) => {
    const { period, level, bpp, version, format } = request.query;
    checkPeriod(period);
    checkBpp(bpp);
    if (request.principal.role === 'agent' && level !== 'agent') {
      throw problems.forbidden(`An agent sees only its own figures (level=agent), not level=${level}.`, ErrorCode.forbidden);
    }
    const report = view(await reportOf(period, request.principal, version), level, request.principal, bpp);
    if (format === 'csv' || (format === undefined && (request.headers.accept ?? '').includes('text/csv'))) {
      const name = `sutasoma-${period}-${level}${bpp ? `-${bpp}` : ''}${report.version ? `-v${report.version}` : '-provisional'}.csv`;
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`)
        .serializer((x: unknown) => x as string).send(reportCsv(report) as never);
    }
    return report;
  });

  app.post('/v1/reports/monthly/runs', {
    onRequest: requireRole('supervisor', 'ops'),
    schema: {
      summary: 'Produce a new version of a past month\'s snapshot, and what changed',
      description: 'The stored versions stay as they were; the new one is the latest from now on. The current month cannot be run: it is not over.',
      tags: ['reports'],
      security: [{ bearerAuth: [] }],
      body: SnapshotRunRequest,
      response: { 201: SnapshotRun, 400: Problem, 401: Problem, 403: Problem },
    },
  }, async (request, reply) => {
    const { period, reason } = request.body;
    checkPeriod(period);
    if (period === currentPeriod()) throw problems.validation([{ field: 'period', code: 'month_not_over', message: 'is the current month: it is reported live until it ends' }]);
    const before = await readSnapshot(pool, period);
    const s = await produceSnapshot(pool, period, { trigger: 'rerun', requestedBy: request.principal.sub, reason, lapseAfterMonths: lapse });
    request.log.info({ period, version: s.version, changes: s.changes?.length ?? 0, actor: request.principal.sub }, 'snapshot re-run');
    reply.code(201);
    return { period, version: s.version, previousVersion: before?.version ?? null, producedAt: s.producedAt, changes: s.changes ?? [] };
  });

  app.get('/v1/reports/ranking', {
    onRequest: requireRole('supervisor', 'ops'),
    schema: {
      summary: 'The 8 BPP ranked for the month\'s reward, with each part of the score',
      description: RANKING_METHOD,
      tags: ['reports'],
      security: [{ bearerAuth: [] }],
      querystring: z.object({ period: PeriodSchema }).strict(),
      response: { 200: Ranking, 400: Problem, 401: Problem, 403: Problem },
    },
  }, async (request) => {
    const { period } = request.query;
    checkPeriod(period);
    const now = await reportOf(period, request.principal);
    const before = await reportOf(previousPeriod(period), request.principal);
    return {
      period, provisional: now.provisional, version: now.provisional ? null : now.version, weights, method: RANKING_METHOD,
      entries: rankBpps(now.rows.bpp, before.rows.bpp, weights),
    };
  });

  app.get('/v1/reports/trend', {
    onRequest: requireRole('supervisor', 'ops'),
    schema: {
      summary: 'Active participants, arrears and lapses at the end of each of the last months',
      tags: ['reports'],
      security: [{ bearerAuth: [] }],
      querystring: TrendQuery,
      response: { 200: Trend, 400: Problem, 401: Problem, 403: Problem },
    },
  }, async (request) => {
    const { period, bpp, months } = request.query;
    checkPeriod(period);
    checkBpp(bpp);
    const points = [];
    for (let i = months - 1; i >= 0; i--) {
      const s = await reportOf(monthOf(monthIndex(period) - i), request.principal);
      const f = bpp ? s.rows.bpp.find((r) => r.key === bpp)!.figures : s.totals;
      points.push({ period: s.period, activeParticipants: f.activeParticipants, inArrears: f.inArrears, lapsed: f.lapsed, provisional: s.provisional });
    }
    return { bpp: bpp ?? null, points };
  });

  app.get('/v1/agents/me/follow-ups', {
    onRequest: app.requireRole('agent'),
    schema: {
      summary: 'The agent\'s participants to visit: coverage ending soon, in arrears, or lapsed',
      description: 'Participants the agent registered whose coverage ends within FOLLOW_UP_DAYS (14) days, has ended (in arrears) or has lapsed; soonest first.',
      tags: ['agents'],
      security: [{ bearerAuth: [] }],
      response: { 200: FollowUps, 401: Problem, 403: Problem },
    },
  }, async (request) => {
    const today = todayInSoppeng();
    const horizon = new Date(Date.parse(`${today}T00:00:00Z`) + opts.followUpDays * DAY_MS).toISOString().slice(0, 10);
    const { rows } = await pool.query<{ kpj: string; registration_request: Record<string, unknown>; village_code: string; group_name: string | null; covered_until: string; declared_income: string }>(
      `SELECT p.kpj, r.request AS registration_request, p.village_code, r.result->'membership'->>'farmerGroupName' AS group_name,
              to_char(p.covered_until, 'YYYY-MM-DD') AS covered_until, p.declared_income
         FROM participants p JOIN operations r ON r.id = p.registration_id
        WHERE p.agent_id = $1 AND p.covered_until IS NOT NULL AND p.covered_until <= $2::date
        ORDER BY p.covered_until, p.kpj`,
      [request.principal.sub, horizon],
    );
    return {
      agent: request.principal.sub, asOf: today, withinDays: opts.followUpDays,
      items: rows.map((p) => {
        const state = coverageState(rules, p.covered_until, today);
        const daysLeft = Math.round((Date.parse(`${p.covered_until}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY_MS);
        const person = personOf(opts.pii, p);
        return {
          kpj: p.kpj, nikMasked: maskNik(person.nik), fullName: person.fullName, villageCode: p.village_code, villageName: findVillage(p.village_code)?.name ?? p.village_code,
          farmerGroup: p.group_name, coveredUntil: p.covered_until,
          status: state.status === 'lapsed' ? 'lapsed' as const : daysLeft >= 0 ? 'ending_soon' as const : 'in_arrears' as const,
          daysLeft, monthsInArrears: state.monthsInArrears, monthlyAmount: monthlyContribution(rules, Number(p.declared_income)),
        };
      }),
    };
  });
}

const zeroFigures = () => ({
  registrations: 0, activeParticipants: 0, pendingFirstPayment: 0, inArrears: 0, lapsed: 0, contributions: 0, contributionsAmount: 0,
  jkkReported: 0, jkkPaid: 0, jkkPaidAmount: 0, jkmReported: 0, jkmPaid: 0, jkmPaidAmount: 0, agentFees: 0,
});
