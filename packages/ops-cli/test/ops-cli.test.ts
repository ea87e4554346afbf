import t, { type Test } from 'tap';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FailedJobsQuery, JobSelection, TokenRequest, type FailedJob } from '@sutasoma/contracts';
import { run, type Io } from '../src/main.ts';

// The CLI against a stand-in for the gateway's ops API: the contract's own schemas check what
// it is sent, fixed data answers, and every request is recorded. The real API has its own tests.

const OPS_TOKEN = 'ops-token';
const DEMO_TOKEN = 'demo-ops-token';

interface Job extends FailedJob { state: 'failed' | 'replayed' | 'discarded' }
interface Received { method: string; path: string; query: URLSearchParams; authorization: string | undefined; body: any }

const operationId = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

/** A job that failed `i` minutes after 08:00 (so a higher `i` is newer). */
function job(i: number, over: Partial<Job> = {}): Job {
  const system = over.system ?? 'bpjs';
  const step = over.step ?? (system === 'bpjs' ? 'bpjs.register_participant' : 'simluhtan.verify_membership');
  return {
    jobId: `${operationId(i)}.${step}`, operationId: operationId(i), kind: 'registration', step, system,
    errorCode: 'PARTNER_AUTH', partnerStatus: 403, attempts: 1, replays: 0, correlationId: `corr-${i}`,
    failedAt: new Date(Date.UTC(2025, 2, 1, 0, i)).toISOString(), state: 'failed', ...over,
  };
}

function problem(res: ServerResponse, status: number, code: string, detail: string, errors?: { field: string; code: string; message: string }[]) {
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: `https://example.test/problems/${code}`, title: code, status, code, detail, requestId: 'req-1', ...(errors ? { errors } : {}) }));
}

const fieldErrors = (issues: { path: PropertyKey[]; code: string; message: string }[]) =>
  issues.map((i) => ({ field: i.path.join('.') || '(body)', code: i.code, message: i.message }));

async function startFakeGateway(t: Test, jobs: Job[]) {
  const received: Received[] = [];
  let auditId = 0;
  const byId = new Map(jobs.map((j) => [j.jobId, j]));
  const failedMatching = (f: { system?: string; code?: string; kind?: string; since?: string }) => jobs
    .filter((j) => j.state === 'failed' && (!f.system || j.system === f.system) && (!f.code || j.errorCode === f.code)
      && (!f.kind || j.kind === f.kind) && (!f.since || j.failedAt >= new Date(f.since).toISOString()))
    .sort((a, b) => b.failedAt.localeCompare(a.failedAt));
  const view = ({ state: _state, ...j }: Job): FailedJob => j;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url!, 'http://gateway');
    const raw = Buffer.concat(await req.toArray()).toString();
    const body = raw ? JSON.parse(raw) : undefined;
    received.push({ method: req.method!, path: url.pathname, query: url.searchParams, authorization: req.headers.authorization, body });
    const json = (value: unknown) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(value)); };

    if (req.method === 'POST' && url.pathname === '/v1/auth/token') {
      const login = TokenRequest.safeParse(body);
      if (!login.success || login.data.username !== 'demo-ops' || login.data.password !== 'sutasoma-demo') {
        return problem(res, 401, 'invalid_credentials', 'Unknown user or wrong password.');
      }
      return json({ accessToken: DEMO_TOKEN, tokenType: 'Bearer', expiresIn: 3600 });
    }
    if (![`Bearer ${OPS_TOKEN}`, `Bearer ${DEMO_TOKEN}`].includes(req.headers.authorization ?? '')) {
      return problem(res, 401, 'unauthorized', 'A valid bearer token is required.');
    }
    if (req.method === 'GET' && url.pathname === '/ops/jobs') {
      const q = FailedJobsQuery.safeParse(Object.fromEntries(url.searchParams));
      if (!q.success) return problem(res, 400, 'validation_failed', `The request querystring has ${q.error.issues.length} invalid field(s).`, fieldErrors(q.error.issues));
      const all = failedMatching(q.data);
      return json({ items: all.slice(q.data.offset, q.data.offset + q.data.limit).map(view), total: all.length, limit: q.data.limit, offset: q.data.offset });
    }
    const action = url.pathname.match(/^\/ops\/jobs\/(replay|discard)$/)?.[1] as 'replay' | 'discard' | undefined;
    if (req.method === 'POST' && action) {
      const sel = JobSelection.safeParse(body);
      if (!sel.success) return problem(res, 400, 'validation_failed', `The request body has ${sel.error.issues.length} invalid field(s).`, fieldErrors(sel.error.issues));
      const ids = sel.data.jobIds ?? failedMatching(sel.data.filter!).map((j) => j.jobId);
      const done: string[] = [];
      const skipped: { jobId: string; reason: string }[] = [];
      for (const id of ids) {
        const j = byId.get(id);
        if (!j) skipped.push({ jobId: id, reason: 'unknown_job' });
        else if (j.state !== 'failed') skipped.push({ jobId: id, reason: 'not_failed' });
        else {
          done.push(id);
          if (!sel.data.dryRun) j.state = action === 'replay' ? 'replayed' : 'discarded';
        }
      }
      return json({ action, dryRun: sel.data.dryRun, done, skipped, auditId: ++auditId });
    }
    const timelineOf = url.pathname.match(/^\/ops\/operations\/([^/]+)\/timeline$/)?.[1];
    if (req.method === 'GET' && timelineOf) {
      if (timelineOf !== operationId(1)) return problem(res, 404, 'not_found', `No operation ${timelineOf}.`);
      return json({
        operationId: operationId(1), kind: 'registration', status: 'registered', correlationId: 'corr-1',
        entries: [
          { at: '2025-03-01T08:00:00.000Z', kind: 'accepted', step: null, attempt: null, detail: {} },
          { at: '2025-03-01T08:00:01.250Z', kind: 'step_failed', step: 'bpjs.register_participant', attempt: 1, detail: { code: 'PARTNER_AUTH', partnerStatus: 403, durationMs: 41 } },
          { at: '2025-03-01T09:30:00.000Z', kind: 'replayed', step: 'bpjs.register_participant', attempt: null, detail: { actor: 'demo-ops', reason: 'BPJS credentials renewed' } },
          { at: '2025-03-01T09:30:02.000Z', kind: 'status_changed', step: null, attempt: null, detail: { from: 'failed', to: 'registered' } },
        ],
      });
    }
    if (req.method === 'GET' && url.pathname === '/ops/breakers') {
      return json({
        items: [
          { system: 'bpjs', state: 'open', errorRate: 0.75, lastChange: '2025-03-01T08:01:00.000Z', adapter: 'http://127.0.0.1:8083' },
          { system: 'simluhtan', state: 'closed', errorRate: 0, lastChange: '2025-03-01T07:00:00.000Z', adapter: 'http://127.0.0.1:8081' },
          { system: 'bank', state: 'unknown', errorRate: null, lastChange: null, adapter: 'http://127.0.0.1:8085', error: 'connect ECONNREFUSED 127.0.0.1:8085' },
        ],
      });
    }
    return problem(res, 404, 'not_found', `No route ${req.method} ${url.pathname}.`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => problem(res, 500, 'internal_error', err.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    jobs,
    actions: () => received.filter((r) => r.path.startsWith('/ops/jobs/')),
    stillFailed: () => jobs.filter((j) => j.state === 'failed').length,
  };
}

type Fake = Awaited<ReturnType<typeof startFakeGateway>>;

/** An operator at a pipe (not a terminal) unless `confirm` is given. */
function operator(gw: Fake, opts: { env?: Record<string, string | undefined>; confirm?: (q: string) => Promise<boolean> } = {}) {
  let out = '';
  let err = '';
  const io: Io = {
    stdout: { write: (s: string) => { out += s; }, isTTY: false },
    stderr: { write: (s: string) => { err += s; } },
    env: { GATEWAY_URL: gw.url, OPS_TOKEN, ...opts.env },
    confirm: opts.confirm,
  };
  return { io, out: () => out, err: () => err, lines: () => out.trimEnd().split('\n') };
}

t.test('failed lists every failed job in a table, page by page', async (t) => {
  const jobs = Array.from({ length: 130 }, (_, i) => job(i, { attempts: 5, replays: i % 2 }));
  const gw = await startFakeGateway(t, jobs);
  const op = operator(gw);

  t.equal(await run(['failed'], op.io), 0);

  const pages = gw.received.filter((r) => r.path === '/ops/jobs');
  t.same(pages.map((r) => [r.query.get('state'), r.query.get('limit'), r.query.get('offset')]), [['failed', '100', '0'], ['failed', '100', '100']], 'two pages');
  t.match(op.lines()[0], /^job id\s+kind\s+system\s+code\s+attempts\s+replays\s+failed at$/);
  t.same(jobs.filter((j) => !op.lines().some((l) => l.startsWith(`${j.jobId} `))).map((j) => j.jobId), [], 'every job has its row');
  t.match(op.out(), new RegExp(`${jobs[7]!.jobId}\\s+registration\\s+bpjs\\s+PARTNER_AUTH\\s+5\\s+1\\s+2025-03-01T00:07:00Z\\n`));
  t.equal(op.lines().at(-1), '130 failed job(s)');
});

t.test('failed passes the filter on and stops at --limit', async (t) => {
  const gw = await startFakeGateway(t, [
    ...Array.from({ length: 60 }, (_, i) => job(i)),
    ...Array.from({ length: 5 }, (_, i) => job(100 + i, { system: 'simluhtan' })),
  ]);
  const op = operator(gw);

  t.equal(await run(['failed', '--system', 'bpjs', '--code', 'PARTNER_AUTH', '--kind', 'registration', '--since', '2025-03-01T00:00:00Z', '--limit', '50'], op.io), 0);

  const [page] = gw.received;
  t.same(Object.fromEntries(page!.query), { state: 'failed', system: 'bpjs', code: 'PARTNER_AUTH', kind: 'registration', since: '2025-03-01T00:00:00Z', limit: '50', offset: '0' });
  t.equal(gw.received.length, 1);
  t.equal(op.lines().at(-1), '60 failed job(s), the first 50 shown (raise --limit to see more)');
});

t.test('a dry run of a filter sends the matching job ids with dryRun true, and nothing changes', async (t) => {
  const auth = Array.from({ length: 30 }, (_, i) => job(i));
  const gw = await startFakeGateway(t, [
    ...auth,
    ...Array.from({ length: 5 }, (_, i) => job(40 + i, { errorCode: 'PARTNER_TIMEOUT', partnerStatus: null })),
    ...Array.from({ length: 3 }, (_, i) => job(50 + i, { system: 'simluhtan' })),
  ]);
  const op = operator(gw);

  t.equal(await run(['replay', '--filter', 'system=bpjs,code=PARTNER_AUTH', '--reason', 'checking first', '--dry-run'], op.io), 0);

  const lookup = gw.received.filter((r) => r.path === '/ops/jobs');
  t.ok(lookup.every((r) => r.query.get('system') === 'bpjs' && r.query.get('code') === 'PARTNER_AUTH'), 'the filter resolves through GET /ops/jobs');
  const sent = gw.actions();
  t.same(sent.map((r) => r.path), ['/ops/jobs/replay', '/ops/jobs/replay'], 'in chunks of 25');
  t.ok(sent.every((r) => r.body.dryRun === true && r.body.reason === 'checking first' && r.body.filter === undefined), 'by job id, as a dry run');
  t.same(sent.flatMap((r) => r.body.jobIds).sort(), auth.map((j) => j.jobId).sort(), 'exactly the matching jobs');
  t.equal(gw.stillFailed(), 38, 'nothing changed');
  t.match(op.out(), '30 job(s) selected (system=bpjs,code=PARTNER_AUTH), dry run');
  t.match(op.out(), `  would replay ${auth[0]!.jobId}`);
  t.match(op.out(), 'dry run: would replay 30, skip 0; nothing changed');
});

t.test('replaying two jobs by id sends them, then says what was replayed and what was skipped', async (t) => {
  const a = job(1);
  const b = job(2, { state: 'replayed' });
  const gw = await startFakeGateway(t, [a, b]);
  const op = operator(gw);

  t.equal(await run(['replay', '--job', a.jobId, '--job', b.jobId, '--reason', 'BPJS credentials renewed', '--yes'], op.io), 0);

  t.same(gw.received.map((r) => `${r.method} ${r.path}`), ['POST /ops/jobs/replay'], 'no lookup is needed for ids');
  t.same(gw.received[0]!.body, { jobIds: [a.jobId, b.jobId], reason: 'BPJS credentials renewed', dryRun: false });
  t.equal(gw.received[0]!.authorization, `Bearer ${OPS_TOKEN}`);
  t.match(op.out(), 'replay: 2/2\n', 'progress as plain lines off a terminal');
  t.match(op.out(), `replayed 1, skipped 1\n  skipped ${b.jobId}: not_failed\n`);
  t.match(op.out(), 'audit: #1');
  t.equal(a.state, 'replayed');
});

t.test('discard sends the same selection to the discard endpoint', async (t) => {
  const a = job(1);
  const gw = await startFakeGateway(t, [a]);
  const op = operator(gw);

  t.equal(await run(['discard', '--job', a.jobId, '--reason', 'farmer moved away'], op.io), 0);

  t.same(gw.actions().map((r) => [r.path, r.body]), [['/ops/jobs/discard', { jobIds: [a.jobId], reason: 'farmer moved away', dryRun: false }]]);
  t.match(op.out(), 'discarded 1, skipped 0');
});

t.test('a bulk action over more than 10 jobs needs --yes or an answer', async (t) => {
  const jobs = Array.from({ length: 30 }, (_, i) => job(i));
  const gw = await startFakeGateway(t, jobs);
  const args = ['replay', '--filter', 'system=bpjs', '--reason', 'in a hurry'];

  const pipe = operator(gw);
  t.equal(await run(args, pipe.io), 1, 'nobody to ask: refused');
  t.match(pipe.err(), 'refusing to replay 30 jobs without --yes');

  const questions: string[] = [];
  const no = operator(gw, { confirm: async (q) => { questions.push(q); return false; } });
  t.equal(await run(args, no.io), 1, 'the operator says no');
  t.match(questions, [/replay 30 jobs\?/]);
  t.same(gw.actions(), [], 'nothing was sent');
  t.equal(gw.stillFailed(), 30);

  const yes = operator(gw, { confirm: async () => true });
  t.equal(await run(args, yes.io), 0, 'the operator says yes');
  t.same(gw.actions().map((r) => r.body.jobIds.length), [25, 5], 'chunks of 25');
  t.match(yes.out(), 'replay: 25/30\nreplay: 30/30\n');
  t.match(yes.out(), 'replayed 30, skipped 0');
  t.equal(gw.stillFailed(), 0);
});

t.test('a problem answer prints its detail and its fields, and exits 1', async (t) => {
  const gw = await startFakeGateway(t, [job(1)]);

  const badSince = operator(gw);
  t.equal(await run(['failed', '--since', 'yesterday'], badSince.io), 1);
  t.match(badSince.err(), /^error: The request querystring has 1 invalid field\(s\)\. \(validation_failed, HTTP 400\)\n {2}since: /);
  t.equal(badSince.out(), '');

  const unknown = operator(gw);
  t.equal(await run(['timeline', operationId(9)], unknown.io), 1);
  t.match(unknown.err(), `error: No operation ${operationId(9)}. (not_found, HTTP 404)`);

  const badToken = operator(gw, { env: { OPS_TOKEN: 'expired' } });
  t.equal(await run(['breakers'], badToken.io), 1);
  t.match(badToken.err(), 'error: A valid bearer token is required. (unauthorized, HTTP 401)');
});

t.test('a selection the contract refuses is caught before anything is sent', async (t) => {
  const gw = await startFakeGateway(t, [job(1)]);

  const bad = operator(gw);
  t.equal(await run(['replay', '--job', 'not-a-job', '--reason', 'x'], bad.io), 1);
  t.match(bad.err(), /--job not-a-job: must be `<operation id>\.<step>`/);
  t.match(bad.err(), /--reason: /);

  const both = operator(gw);
  t.equal(await run(['discard', '--job', job(1).jobId, '--filter', 'system=bpjs', '--reason', 'tidy up'], both.io), 1);
  t.match(both.err(), 'give --job ID (one or more) or --filter');

  const noReason = operator(gw);
  t.equal(await run(['replay', '--job', job(1).jobId], noReason.io), 1);
  t.match(noReason.err(), '--reason "…" is required');

  const badFilter = operator(gw);
  t.equal(await run(['replay', '--filter', 'partner=bpjs', '--reason', 'tidy up'], badFilter.io), 1);
  t.match(badFilter.err(), 'bad --filter part "partner=bpjs"');

  t.same(gw.received, []);
});

t.test('without OPS_TOKEN it signs in as demo-ops through the demo route', async (t) => {
  const gw = await startFakeGateway(t, [job(1)]);
  const op = operator(gw, { env: { OPS_TOKEN: undefined } });

  t.equal(await run(['failed'], op.io), 0);

  t.same(gw.received.map((r) => `${r.method} ${r.path}`), ['POST /v1/auth/token', 'GET /ops/jobs']);
  t.same(gw.received[0]!.body, { username: 'demo-ops', password: 'sutasoma-demo' });
  t.equal(gw.received[1]!.authorization, `Bearer ${DEMO_TOKEN}`);
  t.equal(op.lines().at(-1), '1 failed job(s)');

  const refused = operator(gw, { env: { OPS_TOKEN: undefined, DEMO_PASSWORD: 'wrong' } });
  t.equal(await run(['failed'], refused.io), 1);
  t.match(refused.err(), /signing in as demo-ops through the demo route failed \(Unknown user or wrong password\..*\): set OPS_TOKEN/);
  t.equal(gw.received.filter((r) => r.path === '/ops/jobs').length, 1, 'no ops call without a token');
});

t.test('timeline prints one line per entry; a job id finds its operation', async (t) => {
  const gw = await startFakeGateway(t, []);
  const op = operator(gw);

  t.equal(await run(['timeline', job(1).jobId], op.io), 0);

  t.equal(gw.received[0]!.path, `/ops/operations/${operationId(1)}/timeline`);
  const lines = op.lines();
  t.equal(lines[0], `registration ${operationId(1)}: registered (correlation corr-1)`);
  t.equal(lines.length, 3 + 4, 'a header, the table head and rule, and four entries');
  t.match(lines[4], /^2025-03-01T08:00:01Z\s+step_failed\s+bpjs\.register_participant\s+1\s+code=PARTNER_AUTH partnerStatus=403 durationMs=41$/);
  t.match(lines[5], /replayed\s+bpjs\.register_participant\s+-\s+actor=demo-ops reason="BPJS credentials renewed"$/);
});

t.test('breakers lists each system with its state, error rate and last change', async (t) => {
  const gw = await startFakeGateway(t, []);
  const op = operator(gw);

  t.equal(await run(['breakers'], op.io), 0);

  t.match(op.out(), /^bpjs\s+open\s+75%\s+2025-03-01T08:01:00Z/m);
  t.match(op.out(), /^simluhtan\s+closed\s+0%\s+2025-03-01T07:00:00Z/m);
  t.match(op.out(), /^bank\s+unknown\s+-\s+-\s+connect ECONNREFUSED/m);
});

t.test('--help explains each command without calling the gateway', async (t) => {
  const gw = await startFakeGateway(t, []);
  for (const command of ['failed', 'replay', 'discard', 'timeline', 'breakers']) {
    const op = operator(gw);
    t.equal(await run([command, '--help'], op.io), 0);
    t.match(op.out(), `Usage: npm run ops -- ${command}`);
  }
  const top = operator(gw);
  t.equal(await run(['--help'], top.io), 0);
  t.match(top.out(), /failed\s+list failed jobs/);
  const unknown = operator(gw);
  t.equal(await run(['frobnicate'], unknown.io), 1);
  t.match(unknown.err(), 'unknown command "frobnicate"');
  t.same(gw.received, []);
});
