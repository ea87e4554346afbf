import { z } from 'zod';
import {
  Breakers, FailedJobsPage, FailedJobsQuery, JobActionResult, JobSelection, Problem, StepName, Timeline,
  type FailedJob, type JobSelection as Selection,
} from '@sutasoma/contracts';
import { withTransaction, type Pool } from '@sutasoma/ledger';
import type { Pii } from '@sutasoma/pii';
import { Counter, problems, type ServiceApp } from '@sutasoma/service-kit';
import { request as httpRequest } from 'undici';
import { discardStep, replayStep, type FlowDefinition } from '../flows/engine.ts';

export interface OpsRoutesOptions {
  pool: Pool;
  pii: Pii;
  flows: ReadonlyMap<string, FlowDefinition>;
  /** Each adapter's base URL, by system, for its breaker. */
  adapters: Record<string, string>;
  /** How long to wait for an adapter's breaker before showing it `unknown`. */
  adapterTimeoutMs: number;
  onReplayed: () => void;
}

interface FailedRow {
  operation_id: string;
  kind: string;
  step: StepName;
  system: string;
  last_error_code: string | null;
  partner_status: number | null;
  attempts: number;
  replays: number;
  correlation_id: string;
  updated_at: Date;
}

type Filter = Omit<z.infer<typeof FailedJobsQuery>, 'state' | 'limit' | 'offset'>;

function where(f: Filter): { sql: string; args: unknown[] } {
  const clauses = ["s.state = 'failed'", 'NOT s.discarded', "o.status = 'failed'"];
  const args: unknown[] = [];
  const add = (sql: string, v: unknown) => { args.push(v); clauses.push(sql.replace('?', `$${args.length}`)); };
  if (f.system) add('s.system = ?', f.system);
  if (f.code) add('s.last_error_code = ?', f.code);
  if (f.kind) add('o.kind = ?', f.kind);
  if (f.since) add('s.updated_at >= ?::timestamptz', f.since);
  return { sql: clauses.join(' AND '), args };
}

const toJob = (r: FailedRow): FailedJob => ({
  jobId: `${r.operation_id}.${r.step}`,
  operationId: r.operation_id,
  kind: r.kind,
  step: r.step,
  system: r.system as FailedJob['system'],
  errorCode: r.last_error_code,
  partnerStatus: r.partner_status,
  attempts: r.attempts,
  replays: r.replays,
  correlationId: r.correlation_id,
  failedAt: r.updated_at.toISOString(),
});

const SELECT_FAILED = `SELECT s.operation_id, o.kind, s.step, s.system, s.last_error_code, s.partner_status, s.attempts, s.replays, o.correlation_id, s.updated_at
  FROM operation_steps s JOIN operations o ON o.id = s.operation_id`;

/**
 * What an audit row can hold of a request: PostgreSQL's text and jsonb refuse U+0000, so a NUL anywhere in
 * a body (a key or a value) would lose the row. It is written as U+FFFD instead.
 */
const auditText = (text: string) => text.replace(/\u0000/g, '\ufffd');
const auditJson = (value: unknown) => JSON.stringify(value ?? {}).replace(/\\\\|\\u0000/g, (m) => (m === '\\u0000' ? '\\ufffd' : m));

/**
 * The operators' API: failed work across every queue, replays and discards (each audited with who,
 * when, what and why), an operation's timeline, and every partner's breaker.
 */
export async function opsRoutes(app: ServiceApp, opts: OpsRoutesOptions) {
  const { pool } = opts;
  const actions = new Counter({ name: 'ops_actions_total', help: 'Jobs replayed or discarded by operators', labelNames: ['action'], registers: [app.metrics] });
  const auth = { onRequest: app.requireRole('ops') };
  const common = { tags: ['ops'], security: [{ bearerAuth: [] }] };

  // Every ops call leaves a row: who, when, what, and for changes why and what came of it.
  app.addHook('onResponse', async (request, reply) => {
    if (!request.principal) return;
    // A replay or discard that ran writes its own row, with what it did.
    if (reply.statusCode === 200 && request.method === 'POST') return;
    const reason = (request.body as { reason?: unknown } | undefined)?.reason;
    await pool.query(
      'INSERT INTO ops_audit (actor, action, target, reason, request, status) VALUES ($1, $2, $3, $4, $5, $6)',
      [request.principal.sub, `${request.method} ${request.routeOptions.url}`, request.url, typeof reason === 'string' ? auditText(reason) : null, auditJson(request.body ?? request.query), reply.statusCode],
    ).catch((err: Error) => request.log.error({ err: err.message }, 'ops audit row not written'));
  });

  app.get('/ops/jobs', {
    ...auth,
    schema: { ...common, summary: 'Failed work across all queues, newest first', querystring: FailedJobsQuery, response: { 200: FailedJobsPage, 400: Problem, 401: Problem, 403: Problem } },
  }, async (request) => {
    const q = request.query;
    const w = where(q);
    const [rows, total] = await Promise.all([
      pool.query<FailedRow>(
        `${SELECT_FAILED} WHERE ${w.sql} ORDER BY s.updated_at DESC, s.operation_id LIMIT $${w.args.length + 1} OFFSET $${w.args.length + 2}`,
        [...w.args, q.limit, q.offset],
      ),
      pool.query<{ n: string }>(`SELECT count(*) AS n FROM operation_steps s JOIN operations o ON o.id = s.operation_id WHERE ${w.sql}`, w.args),
    ]);
    return { items: rows.rows.map(toJob), total: Number(total.rows[0]!.n), limit: q.limit, offset: q.offset };
  });

  async function select(sel: Selection): Promise<{ operationId: string; step: StepName }[]> {
    if (sel.jobIds) {
      return sel.jobIds.map((id) => {
        const [operationId, system, action] = id.split('.');
        return { operationId: operationId!, step: StepName.parse(`${system}.${action}`) };
      });
    }
    const w = where(sel.filter ?? {});
    const { rows } = await pool.query<FailedRow>(`${SELECT_FAILED} WHERE ${w.sql} ORDER BY s.updated_at LIMIT 10000`, w.args);
    return rows.map((r) => ({ operationId: r.operation_id, step: r.step }));
  }

  async function act(action: 'replay' | 'discard', sel: Selection, actor: string) {
    // "Everything failed that matches" is asked for once with dryRun: false, after a look at what it takes.
    const dryRun = sel.dryRun ?? sel.filter !== undefined;
    const done: string[] = [];
    const skipped: { jobId: string; reason: string }[] = [];
    for (const target of await select(sel)) {
      const jobId = `${target.operationId}.${target.step}`;
      try {
        const outcome = await withTransaction(pool, (tx) => action === 'replay'
          ? replayStep(tx, opts.pii, opts.flows, target.operationId, target.step, { actor, reason: sel.reason }, dryRun)
          : discardStep(tx, opts.pii, target.operationId, target.step, { actor, reason: sel.reason }, dryRun));
        if (outcome === 'replayed' || outcome === 'discarded') done.push(jobId);
        else skipped.push({ jobId, reason: outcome });
      } catch (err) {
        const superseded = (err as { code?: string }).code === '23505';
        skipped.push({ jobId, reason: superseded ? 'superseded_by_newer_operation' : 'error' });
      }
    }
    if (!dryRun && done.length > 0) {
      actions.inc({ action }, done.length);
      if (action === 'replay') opts.onReplayed();
    }
    const audit = await pool.query<{ id: string }>(
      'INSERT INTO ops_audit (actor, action, reason, request, result) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [actor, `${action}${dryRun ? ' (dry run)' : ''}`, auditText(sel.reason), auditJson({ ...sel, dryRun }), JSON.stringify({ done, skipped })],
    );
    return { action, dryRun, done, skipped, auditId: Number(audit.rows[0]!.id) };
  }

  app.post('/ops/jobs/replay', {
    ...auth,
    schema: {
      ...common,
      summary: 'Replay failed jobs: resume each operation at its failed step, with the same partner idempotency key',
      body: JobSelection,
      response: { 200: JobActionResult, 400: Problem, 401: Problem, 403: Problem },
    },
  }, async (request) => act('replay', request.body, request.principal.sub));

  app.post('/ops/jobs/discard', {
    ...auth,
    schema: {
      ...common,
      summary: 'Close failed jobs by hand: the operation stays failed, with the reason given',
      body: JobSelection,
      response: { 200: JobActionResult, 400: Problem, 401: Problem, 403: Problem },
    },
  }, async (request) => act('discard', request.body, request.principal.sub));

  app.get('/ops/operations/:id/timeline', {
    ...auth,
    schema: { ...common, summary: 'Every step, attempt, partner answer, state change and replay of one operation, in order', params: z.object({ id: z.uuid() }), response: { 200: Timeline, 400: Problem, 401: Problem, 403: Problem, 404: Problem } },
  }, async (request) => {
    const op = await pool.query<{ kind: string; status: string; correlation_id: string }>('SELECT kind, status, correlation_id FROM operations WHERE id = $1', [request.params.id]);
    if (!op.rows[0]) throw problems.notFound(`No operation ${request.params.id}.`);
    const events = await pool.query<{ at: Date; kind: string; step: string | null; attempt: number | null; detail: Record<string, unknown> }>(
      'SELECT at, kind, step, attempt, detail FROM operation_events WHERE operation_id = $1 ORDER BY id', [request.params.id],
    );
    return {
      operationId: request.params.id,
      kind: op.rows[0].kind,
      status: op.rows[0].status,
      correlationId: op.rows[0].correlation_id,
      entries: events.rows.map((e) => ({ at: e.at.toISOString(), kind: e.kind, step: e.step, attempt: e.attempt, detail: e.detail })),
    };
  });

  app.get('/ops/breakers', {
    ...auth,
    schema: { ...common, summary: 'Each partner breaker: state, error rate and last change', response: { 200: Breakers, 401: Problem, 403: Problem } },
  }, async () => {
    const items = await Promise.all(Object.entries(opts.adapters).map(async ([system, url]) => {
      try {
        const res = await httpRequest(`${url}/breaker`, { headersTimeout: opts.adapterTimeoutMs, bodyTimeout: opts.adapterTimeoutMs });
        const b = (await res.body.json()) as { state: 'closed' | 'open' | 'half_open'; errorRate: number; lastChange: string };
        return { system, state: b.state, errorRate: b.errorRate, lastChange: b.lastChange, adapter: url };
      } catch (err) {
        return { system, state: 'unknown' as const, errorRate: null, lastChange: null, adapter: url, error: (err as Error).message };
      }
    }));
    return { items };
  });
}
