import t from 'tap';
import { todayInSoppeng } from '@sutasoma/contracts';
import { monthIndex, monthOf } from '../src/coverage.ts';
import { startGateway } from './helpers.ts';
import { directoryGroups, prng, seedDirectory, seedParticipant } from './reports-ledger.ts';

// The programme's start as configured by default (2025-01); the live month kept 10 minutes, so that the
// cache test cannot straddle its expiry on a slow machine.
const gw = await startGateway(t, { LIVE_REPORT_CACHE_MS: '600000' });
const pool = gw.db.pool;
const groups = directoryGroups(prng(7));
await seedDirectory(pool, groups);
const current = todayInSoppeng().slice(0, 7);
const ago = (n: number) => monthOf(monthIndex(current) - n);
const agent = gw.token('demo-agent');
const supervisor = gw.token('demo-supervisor');
const get = async (url: string, token: string) => {
  const res = await gw.app.inject({ url, headers: { authorization: `Bearer ${token}` } });
  return { status: res.statusCode, body: res.json(), type: res.headers['content-type'] };
};
const snapshots = async (period: string) => Number((await pool.query('SELECT count(*) AS n FROM report_snapshots WHERE period = $1', [period])).rows[0].n);

t.test('an agent cannot make the gateway produce and keep a month\'s snapshot; a supervisor can', async (t) => {
  const period = ago(2);
  const early = await get(`/v1/reports/monthly?period=${period}&level=agent`, agent);
  t.equal(early.status, 404, 'not produced yet: the agent is told so');
  t.match(early.type, /application\/problem\+json/);
  t.match(early.body.detail, /has not been produced yet/);
  t.equal(await snapshots(period), 0, 'and nothing was computed and stored for it');

  t.equal((await get(`/v1/reports/monthly?period=${period}&level=bpp`, supervisor)).status, 200, 'a supervisor opens it');
  t.equal(await snapshots(period), 1, 'which produces the snapshot');
  const later = await get(`/v1/reports/monthly?period=${period}&level=agent`, agent);
  t.equal(later.status, 200, 'the agent then reads its own row of it');
  t.equal(later.body.version, 1);
});

t.test('periods before the programme are refused, for reading and for re-running', async (t) => {
  for (const [url, token] of [
    ['/v1/reports/monthly?period=0001-01&level=agent', agent],
    ['/v1/reports/monthly?period=2024-12&level=bpp', supervisor],
    ['/v1/reports/ranking?period=2024-12', supervisor],
  ] as const) {
    const res = await get(url, token);
    t.equal(res.status, 400, url);
    t.equal(res.body.errors[0].code, 'before_programme');
  }
  const run = await gw.app.inject({ method: 'POST', url: '/v1/reports/monthly/runs', headers: { authorization: `Bearer ${supervisor}` }, payload: { period: '2024-12', reason: 'sebelum program' } });
  t.equal(run.statusCode, 400);
  t.equal(run.json().errors[0].code, 'before_programme');
  t.equal(await snapshots('2024-12') + await snapshots('0001-01'), 0, 'nothing stored');
  const first = await get('/v1/reports/ranking?period=2025-01', supervisor);
  t.equal(first.status, 200, 'the programme\'s first month ranks against zeros');
  t.equal(await snapshots('2024-12'), 0, 'its baseline computed, not stored');
});

t.test('the live month is computed once for many readers, for a short time', async (t) => {
  const url = `/v1/reports/monthly?period=${current}&level=bpp`;
  const a = await get(url, supervisor);
  await seedParticipant(pool, { agent: 'demo-agent', group: groups[0]!, at: new Date().toISOString() });
  const b = await get(url, gw.token('demo-ops'));
  t.equal(a.body.provisional, true);
  t.equal(b.body.producedAt, a.body.producedAt, 'the second reader gets the same computation');
  t.equal(b.body.totals.registrations, a.body.totals.registrations, 'a registration within the window shows at the next computation');
});
