import t from 'tap';
import { waitFor } from '@sutasoma/testing';
import { startFlow } from './flow.ts';
import { openBrowser } from './browser.ts';

const flow = await startFlow(t, { adapterEnv: { RETRY_BASE_MS: '50', RETRY_MAX_MS: '100' }, gatewayEnv: { DEMO_MODE: 'true', DEMO_PASSWORD: 'sutasoma-demo' } });
const ops = flow.token('demo-ops');
const opsGet = (url: string) => flow.get(url, ops);
const opsPost = (url: string, body: unknown) => flow.post(url, body, { token: ops });

// BPJS refuses our credentials: PARTNER_AUTH is final at once, no retry can mend it.
await flow.sim('POST', '/_sim/faults', { system: 'bpjs', mode: 'error', status: 403 });
const farmers = await flow.farmers('eligible', 3, 3000);
const ids = await Promise.all(farmers.map(async (f) => (await flow.register(f)).id));
for (const id of ids) await flow.settled(id);

t.test('failed work is listed with its code, attempts and correlation id, and no personal data', async (t) => {
  const page = await opsGet('/ops/jobs?state=failed&system=bpjs&code=PARTNER_AUTH');
  t.equal(page.status, 200);
  const mine = page.body.items.filter((j: { operationId: string }) => ids.includes(j.operationId));
  t.equal(mine.length, 3);
  t.match(mine[0], { kind: 'registration', step: 'bpjs.register_participant', system: 'bpjs', errorCode: 'PARTNER_AUTH', partnerStatus: 403, attempts: 1, replays: 0, correlationId: String });
  t.notMatch(JSON.stringify(page.body), farmers[0]!.nik, 'no NIK');
  t.equal((await flow.registration(ids[0]!)).status, 'failed', 'the registration shows failed at that step');
  t.equal((await opsGet('/ops/jobs?state=failed&system=simluhtan')).body.total, 0, 'filtered by system');
  t.equal((await flow.get('/ops/jobs?state=failed')).status, 403, 'an agent may not see it');
});

t.test('a dry run says what it would replay and changes nothing', async (t) => {
  const res = await opsPost('/ops/jobs/replay', { filter: { system: 'bpjs', code: 'PARTNER_AUTH' }, reason: 'checking before the bulk replay', dryRun: true });
  t.equal(res.status, 200);
  t.same(res.body.done.sort(), ids.map((id) => `${id}.bpjs.register_participant`).sort());
  t.equal(res.body.dryRun, true);
  t.equal((await flow.registration(ids[0]!)).status, 'failed');

  // Replaying "everything that matches" (up to 10,000 jobs, payouts included) is only ever a look unless asked for.
  const unasked = await opsPost('/ops/jobs/replay', { filter: { system: 'bpjs', code: 'PARTNER_AUTH' }, reason: 'replay them all, I think' });
  t.equal(unasked.status, 200);
  t.equal(unasked.body.dryRun, true, 'a selection by filter is a dry run by default');
  t.equal(unasked.body.done.length, 3);
  t.equal((await flow.registration(ids[0]!)).status, 'failed', 'nothing replayed');
  const audit = await flow.db.pool.query('SELECT action FROM ops_audit WHERE id = $1', [unasked.body.auditId]);
  t.equal(audit.rows[0].action, 'replay (dry run)', 'and audited as what it was');
});

t.test('once BPJS accepts us again, one bulk replay completes them all, one participant each, audited', async (t) => {
  await flow.sim('DELETE', '/_sim/faults');
  const res = await opsPost('/ops/jobs/replay', { filter: { system: 'bpjs', code: 'PARTNER_AUTH' }, reason: 'BPJS renewed our consumer credentials (ticket 4411)', dryRun: false });
  t.equal(res.body.dryRun, false);
  t.equal(res.body.done.length, 3);
  t.same(res.body.skipped, []);
  for (const id of ids) t.equal((await flow.settled(id)).status, 'registered');
  for (const f of farmers) t.equal(await flow.participantsAtBpjs(f.nik), 1);

  const audit = await flow.db.pool.query("SELECT actor, action, reason, result FROM ops_audit WHERE id = $1", [res.body.auditId]);
  t.match(audit.rows[0], { actor: 'demo-ops', action: 'replay', reason: /ticket 4411/ });

  const again = await opsPost('/ops/jobs/replay', { jobIds: [`${ids[0]}.bpjs.register_participant`], reason: 'a second replay by mistake' });
  t.same(again.body.skipped, [{ jobId: `${ids[0]}.bpjs.register_participant`, reason: 'not_failed' }], 'a replay of what succeeded changes nothing');

  const timeline = await opsGet(`/ops/operations/${ids[0]}/timeline`);
  const kinds = timeline.body.entries.map((e: { kind: string; step: string | null }) => `${e.kind}${e.step ? `:${e.step}` : ''}`);
  t.match(kinds, [
    'accepted', 'step_succeeded:simluhtan.verify_membership', 'status_changed:simluhtan.verify_membership', 'step_succeeded:ekartutani.lookup_card',
    'step_failed:bpjs.register_participant', 'status_changed:bpjs.register_participant', 'replayed:bpjs.register_participant',
    'step_succeeded:bpjs.register_participant', 'status_changed:bpjs.register_participant',
  ]);
  const failed = timeline.body.entries.find((e: { kind: string }) => e.kind === 'step_failed');
  t.match(failed.detail, { errorCode: 'PARTNER_AUTH', partnerStatus: 403, durationMs: Number });
  t.match(timeline.body.entries.find((e: { kind: string }) => e.kind === 'replayed').detail, { by: 'demo-ops', reason: /ticket 4411/ });
});

t.test('discard closes a failed job by hand: the operation stays failed with the reason, and it leaves the list', async (t) => {
  await flow.sim('POST', '/_sim/faults', { system: 'bpjs', mode: 'error', status: 403 });
  const [farmer] = await flow.farmers('eligible', 1, 3100);
  const { id } = await flow.register(farmer!);
  t.equal((await flow.settled(id)).status, 'failed');
  await flow.sim('DELETE', '/_sim/faults');
  const jobId = `${id}.bpjs.register_participant`;
  const res = await opsPost('/ops/jobs/discard', { jobIds: [jobId], reason: 'the farmer moved to Makassar' });
  t.same(res.body.done, [jobId]);
  const reg = await flow.registration(id);
  t.match(reg, { status: 'failed', reason: { code: 'discarded', detail: /moved to Makassar/ } });
  const listed = (await opsGet('/ops/jobs?state=failed&system=bpjs')).body.items.map((j: { jobId: string }) => j.jobId);
  t.notOk(listed.includes(jobId));
  const replay = await opsPost('/ops/jobs/replay', { jobIds: [jobId], reason: 'trying anyway' });
  t.same(replay.body.skipped, [{ jobId, reason: 'was_discarded' }]);
});

t.test('bad ops requests are refused with the field named', async (t) => {
  const noReason = await opsPost('/ops/jobs/replay', { filter: { system: 'bpjs' } });
  t.equal(noReason.status, 400);
  t.ok(noReason.body.errors.some((e: { field: string }) => e.field === 'reason'));
  const both = await opsPost('/ops/jobs/replay', { filter: {}, jobIds: ['x'], reason: 'both at once' });
  t.equal(both.status, 400);
  const refused = await waitFor(async () => (await flow.db.pool.query("SELECT count(*)::int AS n FROM ops_audit WHERE status = 400 AND actor = 'demo-ops'")).rows[0].n, (n) => n >= 2, { what: 'audit rows' });
  t.ok(refused >= 2, 'refused calls are audited too');
});

t.test('the breakers of every adapter in one view', async (t) => {
  const res = await opsGet('/ops/breakers');
  t.equal(res.status, 200);
  const bySystem = Object.fromEntries(res.body.items.map((b: { system: string }) => [b.system, b]));
  for (const s of ['simluhtan', 'ekartutani', 'bpjs', 'bank']) t.match(bySystem[s], { state: /^(closed|open|half_open)$/, errorRate: Number, lastChange: String });
});

t.test('waiting for a replayed operation never burns a fresh attempt count on stale events', async (t) => {
  const row = await waitFor(async () => (await flow.db.pool.query('SELECT replays, attempts, state FROM operation_steps WHERE operation_id = $1 AND step = $2', [ids[1], 'bpjs.register_participant'])).rows[0], (r) => r.state === 'succeeded');
  t.match(row, { replays: 1, attempts: 1 });
});

t.test('metrics show queues, failures by system and code, breakers, recoveries and replays', async (t) => {
  const gateway = (await flow.app.internal.inject({ url: '/metrics' })).body;
  t.match(gateway, /queue_jobs\{queue="bpjs",state="waiting"[^}]*\} \d+/);
  t.match(gateway, /queue_oldest_waiting_seconds\{queue="gateway-events"[^}]*\} [\d.]+/);
  t.match(gateway, /ops_actions_total\{action="replay"[^}]*\} 3/);
  t.match(gateway, /reconciler_recoveries_total/);
  t.match(gateway, /http_request_duration_seconds_count\{[^}]*method="POST",route="\/v1\/registrations",status="202"/);
  const bpjs = await (await fetch(`${flow.partners.adapters.bpjs.internalUrl}/metrics`)).text();
  t.match(bpjs, /step_jobs_total\{system="bpjs",step="bpjs.register_participant",outcome="failed",code="PARTNER_AUTH"[^}]*\} \d+/);
  t.match(bpjs, /step_job_duration_seconds_bucket\{[^}]*system="bpjs"/);
  t.match(bpjs, /partner_breaker_open\{system="bpjs"[^}]*\} 0/);
  for (const path of ['/metrics', '/breaker', '/ready']) {
    t.equal((await fetch(`${flow.partners.adapters.bpjs.url}${path}`)).status, 404, `an adapter's public port has no ${path}`);
  }
  t.match(bpjs, /partner_call_duration_seconds_count\{[^}]*system="bpjs",outcome="403"/);
});

t.test('every metric the Grafana dashboard queries is exported by the running system', async (t) => {
  const { readFile } = await import('node:fs/promises');
  const dashboard = JSON.parse(await readFile(new URL('../../../observability/grafana-dashboard.json', import.meta.url), 'utf8'));
  const exprs: string[] = dashboard.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((x) => x.expr));
  const names = new Set(exprs.flatMap((e) => [...e.matchAll(/\b([a-z_]+_(?:total|seconds|bytes|jobs|open)(?:_bucket|_count)?)\b/g)].map((m) => m[1]!)));
  const exported = (await flow.app.internal.inject({ url: '/metrics' })).body + await (await fetch(`${flow.partners.adapters.bpjs.internalUrl}/metrics`)).text();
  t.ok(names.size >= 10);
  for (const name of names) t.match(exported, new RegExp(`^${name}[{ ]`, 'm'), `${name} is exported`);
});

t.test('the queue dashboard: behind ops sign-in, showing every queue and the failed jobs', async (t) => {
  const anonymous = await flow.app.inject({ url: '/ops/queues', headers: { accept: 'text/html' } });
  t.equal(anonymous.statusCode, 303);
  t.equal(anonymous.headers.location, '/ops/login');
  t.equal((await flow.app.inject({ url: '/ops/queues/api/queues' })).statusCode, 401);
  t.equal((await flow.app.inject({ url: '/ops/queues/api/queues', headers: { authorization: `Bearer ${flow.agent}` } })).statusCode, 401, 'an agent token is not enough');

  const agentLogin = await flow.app.inject({ method: 'POST', url: '/ops/login', payload: 'username=demo-agent&password=sutasoma-demo', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  t.equal(agentLogin.statusCode, 401);
  const login = await flow.app.inject({ method: 'POST', url: '/ops/login', payload: 'username=demo-ops&password=sutasoma-demo', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  t.equal(login.statusCode, 303);
  const cookie = String(login.headers['set-cookie']);
  t.match(cookie, /sutasoma_ops=.+; Max-Age=\d+; Path=\/ops; HttpOnly; SameSite=Strict/);
  const session = cookie.split(';')[0]!;

  const page = await flow.app.inject({ url: '/ops/queues', headers: { cookie: session, accept: 'text/html' } });
  t.equal(page.statusCode, 200);
  t.match(page.body, /SUTASOMA queues|bull/i);
  const api = await flow.app.inject({ url: '/ops/queues/api/queues?activeQueue=bpjs&status=failed', headers: { cookie: session } });
  t.equal(api.statusCode, 200);
  const queues = api.json().queues as { name: string; jobs: { id: string }[] }[];
  t.same(queues.map((q) => q.name).sort(), ['bank', 'bpjs', 'ekartutani', 'gateway-events', 'hospital', 'plkk', 'simluhtan']);
  const failed = queues.find((q) => q.name === 'bpjs')!.jobs.map((j) => j.id);
  t.ok(ids.every((id) => failed.includes(`${id}.bpjs.register_participant`)), 'the failed BPJS jobs are there');

  // The dashboard only reads: a change goes through the audited ops API. Nothing can be planted,
  // retried, paused or emptied from it, not even with an ops session.
  const writes: [string, string, unknown?][] = [
    ['POST', '/ops/queues/api/queues/bank/add', { name: 'bank.pay_benefit', data: { amount: 9_999_999 } }],
    ['PUT', '/ops/queues/api/queues/bpjs/retry/failed'],
    ['PUT', '/ops/queues/api/queues/bpjs/pause'],
    ['PUT', '/ops/queues/api/queues/gateway-events/empty'],
    ['PUT', `/ops/queues/api/queues/bpjs/${encodeURIComponent(`${ids[0]}.bpjs.register_participant`)}/retry`],
  ];
  for (const [method, url, payload] of writes) {
    const res = await flow.app.inject({ method: method as 'PUT', url, headers: { cookie: session }, ...(payload ? { payload: payload as object } : {}) });
    t.equal(res.statusCode, 405, `${method} ${url} is refused`);
  }
  await flow.app.inject({ method: 'PUT', url: '/ops/queues/api/queues/pause', headers: { cookie: session } });
  const after = (await flow.app.inject({ url: '/ops/queues/api/queues?activeQueue=bpjs&status=failed', headers: { cookie: session } })).json().queues as { name: string; isPaused: boolean; jobs: { id: string }[] }[];
  t.same(after.filter((q) => q.isPaused).map((q) => q.name), [], '"pause all" paused nothing');
  t.same(after.find((q) => q.name === 'bpjs')!.jobs.map((j) => j.id).sort(), [...failed].sort(), 'the failed jobs are still there, still failed');
});

t.test('in a browser, an operator signs in, opens the queue dashboard and sees the failed BPJS jobs', async (t) => {
  const address = await flow.app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await openBrowser(t);
  const page = await browser.newPage();
  await page.goto(`${address}/ops/queues`);
  t.match(page.url(), /\/ops\/login$/, 'sent to sign in first');
  await page.fill('#username', 'demo-ops');
  await page.fill('#password', 'sutasoma-demo');
  await Promise.all([page.waitForURL(/\/ops\/queues/), page.click('button[type=submit]')]);
  await page.goto(`${address}/ops/queues/queue/bpjs?status=failed`);
  await page.getByText(ids[0]!.slice(0, 8), { exact: false }).first().waitFor({ timeout: 30_000 });
  const text = await page.textContent('body');
  for (const id of ids) t.match(text, id.slice(0, 8), `failed job of ${id.slice(0, 8)} is shown`);
});
