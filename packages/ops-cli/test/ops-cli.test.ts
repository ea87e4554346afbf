import t from 'tap';
import { createTestPrefix, createTestSchema, startPartners, startServiceProcess, testRedisUrl, waitFor } from '@sutasoma/testing';
import { run, type Io } from '../src/main.ts';

// The real system: the simulator and the adapters as processes, the gateway as a process too,
// since a package may reach a service only over HTTP.
const db = await createTestSchema();
const queues = createTestPrefix();
// A breaker that probes every second: twelve refusals open it, and the replay must wait it out.
const partners = await startPartners(queues.prefix, { RETRY_BASE_MS: '50', BREAKER_RESET_MS: '1000' });
const gateway = await startServiceProcess({
  service: 'gateway',
  env: {
    DATABASE_URL: db.databaseUrl, DB_SCHEMA: db.schema, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: queues.prefix,
    DEMO_MODE: 'true', DEMO_PASSWORD: 'cli-test-password',
    ADAPTER_URLS: Object.entries(partners.adapters).map(([s, p]) => `${s}=${p.url}`).join(','),
  },
});
t.teardown(async () => {
  await gateway.kill();
  await partners.stop();
  await db.drop();
  await queues.cleanup();
});

function io(env: Record<string, string> = {}): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines, errors,
    out: (l) => lines.push(l), err: (l) => errors.push(l),
    interactive: false, ask: async () => 'n',
    env: { GATEWAY_URL: gateway.url, DEMO_PASSWORD: 'cli-test-password', ...env },
  };
}
const sim = (method: string, path: string, body?: unknown) => fetch(`${partners.sim.url}${path}`, {
  method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
});

// Twelve registrations that BPJS refuses for good (our credentials rejected).
await sim('POST', '/_sim/faults', { system: 'bpjs', mode: 'error', status: 403 });
const agent = ((await (await fetch(`${gateway.url}/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'demo-agent', password: 'cli-test-password' }) })).json()) as { accessToken: string }).accessToken;
const farmers = ((await (await sim('GET', '/_sim/farmers?kecamatan=Lalabata&case=eligible&limit=12&offset=4000')).json()) as { items: { nik: string }[] }).items;
const ids: string[] = [];
for (const f of farmers) {
  const res = await fetch(`${gateway.url}/v1/registrations`, { method: 'POST', headers: { authorization: `Bearer ${agent}`, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() }, body: JSON.stringify(f) });
  ids.push(((await res.json()) as { id: string }).id);
}
const status = async (id: string) => ((await (await fetch(`${gateway.url}/v1/registrations/${id}`, { headers: { authorization: `Bearer ${agent}` } })).json()) as { status: string }).status;
for (const id of ids) await waitFor(() => status(id), (s) => s === 'failed', { what: `registration ${id} to fail` });

t.test('failed lists every failed job, signing in through the demo route', async (t) => {
  const o = io();
  t.equal(await run(['failed', '--system', 'bpjs'], o), 0);
  t.match(o.lines.at(-1), '12 of 12 failed job(s)');
  const rows = o.lines.join('\n').split('\n');
  for (const id of ids) t.ok(rows.some((l) => l.startsWith(`${id}.bpjs.register_participant`) && l.includes('PARTNER_AUTH')), `${id} is listed`);
  t.match(o.errors.join('\n'), /signed in as demo-ops/);
});

t.test('a dry run says what it would replay, and nothing changes', async (t) => {
  const o = io();
  t.equal(await run(['replay', '--filter', 'system=bpjs,code=PARTNER_AUTH', '--reason', 'checking first', '--dry-run'], o), 0);
  t.match(o.lines.join('\n'), /would be replayed 12, skipped 0/);
  t.equal(await status(ids[0]!), 'failed');
});

t.test('a bulk replay without --yes and nobody to ask is refused', async (t) => {
  const o = io();
  t.equal(await run(['replay', '--filter', 'system=bpjs', '--reason', 'in a hurry'], o), 1);
  t.match(o.errors.join('\n'), /add --yes/);
  t.equal(await status(ids[0]!), 'failed');
});

t.test('after the fault, one bulk replay completes them all; the timeline shows the replay', async (t) => {
  await sim('DELETE', '/_sim/faults');
  const o = io();
  t.equal(await run(['replay', '--filter', 'system=bpjs', '--reason', 'BPJS credentials renewed', '--yes'], o), 0);
  t.match(o.lines.join('\n'), /replayed 12, skipped 0/);
  t.match(o.lines.join('\n'), /replay: 12\/12/, 'progress is shown');
  for (const id of ids) await waitFor(() => status(id), (s) => s === 'registered', { what: `registration ${id}` });
  const tl = io();
  t.equal(await run(['timeline', ids[0]!], tl), 0);
  t.match(tl.lines.join('\n'), /replayed\s+bpjs\.register_participant.*BPJS credentials renewed/);
  t.match(tl.lines[0], /registration .*: registered/);
});

t.test('breakers are listed for every adapter', async (t) => {
  const o = io();
  t.equal(await run(['breakers'], o), 0);
  const rows = o.lines.join('\n').split('\n');
  for (const s of ['simluhtan', 'ekartutani', 'bpjs', 'bank']) t.ok(rows.some((l) => l.startsWith(s) && /closed|open/.test(l)), s);
});

t.test('mistakes end with a clear message and exit 1', async (t) => {
  const noReason = io();
  t.equal(await run(['replay', '--job', `${ids[0]}.bpjs.register_participant`], noReason), 1);
  t.match(noReason.errors.join('\n'), /--reason is required/);
  const badToken = io({ OPS_TOKEN: 'not-a-token' });
  t.equal(await run(['failed'], badToken), 1);
  t.match(badToken.errors.join('\n'), /error 401/);
  const unknown = io();
  t.equal(await run(['frobnicate'], unknown), 1);
});
