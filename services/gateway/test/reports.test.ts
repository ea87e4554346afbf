import t from 'tap';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { testRedisUrl } from '@sutasoma/testing';
import { KECAMATAN, todayInSoppeng } from '@sutasoma/contracts';
import { monthIndex, monthOf } from '../src/coverage.ts';
import { rankBpps } from '../src/reports/ranking.ts';
import { startGateway } from './helpers.ts';
import { directoryGroups, instantIn, prng, seedClaim, seedContribution, seedDirectory, seedParticipant, type Group, type SeededParticipant } from './reports-ledger.ts';

// Activity is written into the ledger tables with timestamps in past months (the public API stamps
// everything now()); the gateway under test is the real one, read through its API.
const current = todayInSoppeng().slice(0, 7);
const ago = (n: number) => monthOf(monthIndex(current) - n);
const P = ago(3);
const LAPSE = 3;

// The programme began in 2019 here (an empty month of it is zeros); the live month is computed at each read.
const gw = await startGateway(t, { PROGRAMME_START: '2019-01', LIVE_REPORT_CACHE_MS: '0' });
const supervisor = gw.token('demo-supervisor');
const ops = gw.token('demo-ops');
const agent = gw.token('demo-agent');
const pool = gw.db.pool;

const get = async (url: string, token = supervisor, headers: Record<string, string> = {}) => {
  const res = await gw.app.inject({ url, headers: { authorization: `Bearer ${token}`, ...headers } });
  return { status: res.statusCode, body: res.headers['content-type']?.toString().includes('json') ? res.json() : res.body, headers: res.headers };
};

// Generated activity over five months around P: registrations, contributions paying ahead and
// falling behind, claims reported and paid, by three agents in every BPP.
const rand = prng(20261205);
const groups = directoryGroups(rand);
await seedDirectory(pool, groups);
const agents = ['demo-agent', 'agent-bila', 'agent-cabenge'];
const seeded: SeededParticipant[] = [];
for (let m = 6; m >= 2; m--) {
  const period = ago(m);
  for (let i = 0; i < 14; i++) {
    const group = groups[Math.floor(rand() * groups.length)]!;
    const at = instantIn(rand, period);
    const p = await seedParticipant(pool, { agent: agents[Math.floor(rand() * agents.length)]!, group, at });
    seeded.push(p);
    // Most pay at once for 1–3 months, some pay again later, a few never pay.
    if (rand() < 0.85) {
      let covered = period;
      let paidAt = at;
      for (let k = 0; k < 3; k++) {
        const months = 1 + Math.floor(rand() * 3);
        const from = monthOf(monthIndex(covered) + (k === 0 ? 0 : 1));
        const to = monthOf(monthIndex(from) + months - 1);
        paidAt = k === 0 ? at : instantIn(rand, monthOf(monthIndex(paidAt.slice(0, 7)) + months));
        if (paidAt.slice(0, 7) >= current) break;
        await seedContribution(pool, p, { at: paidAt, from, to, months, amount: 16_800 * months, fee: Math.floor(16_800 * months * 0.0675) });
        covered = to;
        if (rand() < 0.4) break;
      }
    }
    if (rand() < 0.15) {
      const reportedAt = instantIn(rand, period);
      await seedClaim(pool, p, { kind: rand() < 0.7 ? 'jkk_claim' : 'jkm_claim', reportedAt, ...(rand() < 0.6 ? { paidAt: instantIn(rand, ago(Math.max(2, m - 1))), payouts: { hospital: 1_250_000, farmer: 1_000_000 } } : {}) });
    }
  }
}
// Facts right on P's edges (Soppeng time): the last second of P counts, the first second after does not.
const edge = await seedParticipant(pool, { agent: 'demo-agent', group: groups[0]!, at: `${monthOf(monthIndex(P) + 1)}-01T00:00:00+08:00` });
await seedContribution(pool, seeded[0]!, { at: `${P}-${new Date(Date.UTC(Number(P.slice(0, 4)), Number(P.slice(5)), 0)).getUTCDate()}T23:59:59+08:00`, from: ago(1), to: ago(1), months: 1, amount: 16_800, fee: 1_134 });
await seedContribution(pool, edge, { at: `${monthOf(monthIndex(P) + 1)}-01T00:00:00+08:00`, from: monthOf(monthIndex(P) + 1), to: monthOf(monthIndex(P) + 1), months: 1, amount: 16_800, fee: 1_134 });

/** The month's totals straight from the ledger, by SQL of their own (not the gateway's code). */
async function ledgerTotals(period: string) {
  const start = `${period}-01T00:00:00+08:00`;
  const cutoff = `${monthOf(monthIndex(period) + 1)}-01T00:00:00+08:00`;
  const one = async (sql: string, params: unknown[] = [start, cutoff]) => Number((await pool.query<{ n: string }>(sql, params)).rows[0]!.n);
  const posted = `SELECT o.*, (SELECT min(at) FROM operation_events e WHERE e.operation_id = o.id AND e.detail->>'to' = 'posted') AS posted_at
                    FROM operations o WHERE o.kind = 'contribution' AND o.status = 'posted'`;
  const paid = `SELECT o.*, (SELECT min(at) FROM operation_events e WHERE e.operation_id = o.id AND e.detail->>'to' = 'paid') AS paid_at
                  FROM operations o WHERE o.kind IN ('jkk_claim', 'jkm_claim')`;
  // Month arithmetic on YYYY-MM: the months between a participant's last covered month and `period`.
  const states = await pool.query<{ state: string; n: string }>(
    `WITH cov AS (
       SELECT p.kpj, max(c.result->'coverage'->>'to') AS covered_to
         FROM participants p LEFT JOIN (${posted}) c ON c.request->>'kpj' = p.kpj AND c.posted_at < $2::timestamptz
        WHERE p.registered_at < $2::timestamptz GROUP BY p.kpj)
     SELECT CASE WHEN covered_to IS NULL THEN 'pending'
                 WHEN covered_to >= $1 THEN 'active'
                 WHEN (extract(year FROM to_date($1, 'YYYY-MM')) * 12 + extract(month FROM to_date($1, 'YYYY-MM')))
                    - (extract(year FROM to_date(covered_to, 'YYYY-MM')) * 12 + extract(month FROM to_date(covered_to, 'YYYY-MM'))) > $3 THEN 'lapsed'
                 ELSE 'arrears' END AS state, count(*) AS n
       FROM cov GROUP BY 1`,
    [period, cutoff, LAPSE],
  );
  const state = (s: string) => Number(states.rows.find((r) => r.state === s)?.n ?? 0);
  return {
    registrations: await one('SELECT count(*) AS n FROM participants WHERE registered_at >= $1::timestamptz AND registered_at < $2::timestamptz'),
    activeParticipants: state('active'),
    inArrears: state('arrears'),
    lapsed: state('lapsed'),
    pendingFirstPayment: state('pending'),
    contributions: await one(`SELECT count(*) AS n FROM (${posted}) c WHERE posted_at >= $1::timestamptz AND posted_at < $2::timestamptz`),
    contributionsAmount: await one(`SELECT COALESCE(sum((request->>'amount')::bigint), 0) AS n FROM (${posted}) c WHERE posted_at >= $1::timestamptz AND posted_at < $2::timestamptz`),
    jkkReported: await one(`SELECT count(*) AS n FROM operations WHERE kind = 'jkk_claim' AND created_at >= $1::timestamptz AND created_at < $2::timestamptz`),
    jkmReported: await one(`SELECT count(*) AS n FROM operations WHERE kind = 'jkm_claim' AND created_at >= $1::timestamptz AND created_at < $2::timestamptz`),
    jkkPaid: await one(`SELECT count(*) AS n FROM (${paid}) c WHERE kind = 'jkk_claim' AND paid_at >= $1::timestamptz AND paid_at < $2::timestamptz`),
    jkkPaidAmount: await one(`SELECT COALESCE(sum((result->'payouts'->'hospital'->>'amount')::bigint + (result->'payouts'->'farmer'->>'amount')::bigint), 0) AS n
                                FROM (${paid}) c WHERE kind = 'jkk_claim' AND paid_at >= $1::timestamptz AND paid_at < $2::timestamptz`),
    jkmPaid: await one(`SELECT count(*) AS n FROM (${paid}) c WHERE kind = 'jkm_claim' AND paid_at >= $1::timestamptz AND paid_at < $2::timestamptz`),
    jkmPaidAmount: await one(`SELECT COALESCE(sum((result->'payouts'->'hospital'->>'amount')::bigint + (result->'payouts'->'farmer'->>'amount')::bigint), 0) AS n
                                FROM (${paid}) c WHERE kind = 'jkm_claim' AND paid_at >= $1::timestamptz AND paid_at < $2::timestamptz`),
    agentFees: await one('SELECT COALESCE(sum(amount), 0) AS n FROM agent_fees WHERE period = $1', [period]),
  };
}

t.test('every month\'s totals, and the sum of every level\'s rows, equal the ledger\'s own sums for that month', async (t) => {
  for (const period of [ago(6), ago(5), ago(4), ago(3), ago(2)]) {
    const expected = await ledgerTotals(period);
    t.ok(expected.registrations > 0 && expected.contributions > 0, `${period} has activity to reconcile`);
    for (const level of ['bpp', 'village', 'group', 'agent'] as const) {
      const { status, body } = await get(`/v1/reports/monthly?period=${period}&level=${level}`);
      t.equal(status, 200);
      t.equal(body.provisional, false, 'a past month is a stored snapshot');
      for (const [field, value] of Object.entries(expected)) {
        t.equal(body.totals[field], value, `${period} ${field}: the total equals the ledger`);
        const sum = (body.rows as { figures: Record<string, number> }[]).reduce((n, r) => n + r.figures[field]!, 0);
        t.equal(sum, value, `${period} ${level} rows of ${field} add up to the ledger`);
      }
    }
  }
  const listed = groups.reduce((n, g) => n + g.memberCount, 0);
  const bpp = (await get(`/v1/reports/monthly?period=${P}&level=bpp`)).body;
  t.equal(bpp.totals.listedFarmers, listed, 'the farmers Simluhtan lists are the directory\'s member counts');
  t.equal(bpp.totals.coverageRate, Math.round((bpp.totals.activeParticipants / listed) * 10_000) / 10_000);
  t.equal(bpp.rows.length, 8, 'every BPP has a row, active or not');
  t.same(bpp.rows.map((r: { key: string }) => r.key), KECAMATAN.map((k) => k.code));
});

t.test('the last second of the month counts in it, the first second after goes to the next', async (t) => {
  const now = (await get(`/v1/reports/monthly?period=${P}&level=agent`)).body;
  const next = (await get(`/v1/reports/monthly?period=${monthOf(monthIndex(P) + 1)}&level=agent`)).body;
  const expected = await ledgerTotals(P);
  t.equal(now.totals.contributions, expected.contributions);
  const edgeRegs = await pool.query(`SELECT count(*) AS n FROM participants WHERE registered_at = $1::timestamptz`, [`${monthOf(monthIndex(P) + 1)}-01T00:00:00+08:00`]);
  t.equal(Number(edgeRegs.rows[0].n), 1);
  t.equal(next.totals.registrations, (await ledgerTotals(monthOf(monthIndex(P) + 1))).registrations, 'the participant registered at 00:00 of the next month is in the next month');
});

t.test('a snapshot does not change when late data arrives; a re-run makes version 2 and says what changed', async (t) => {
  const period = ago(4);
  const v1 = (await get(`/v1/reports/monthly?period=${period}&level=bpp`)).body;
  t.equal(v1.version, 1);

  // A bank's confirmation that arrives late, stamped inside the month (and a registration with it).
  const late = await seedParticipant(pool, { agent: 'agent-bila', group: groups[3]!, at: `${period}-10T09:00:00+08:00` });
  await seedContribution(pool, late, { at: `${period}-12T10:00:00+08:00`, from: period, to: monthOf(monthIndex(period) + 5), months: 6, amount: 100_800, fee: 6_804 });

  const again = (await get(`/v1/reports/monthly?period=${period}&level=bpp`)).body;
  t.equal(again.version, 1, 'still version 1');
  t.same(again.totals, v1.totals, 'the stored figures are as produced');
  t.same(again.rows, v1.rows);
  t.equal(again.producedAt, v1.producedAt);

  await t.rejects(pool.query('UPDATE report_snapshot_rows SET figures = figures WHERE level = $1', ['bpp']), /immutable/, 'the ledger refuses to edit a snapshot');
  await t.rejects(pool.query('DELETE FROM report_snapshots'), /immutable/);

  const run = await gw.app.inject({ method: 'POST', url: '/v1/reports/monthly/runs', headers: { authorization: `Bearer ${ops}` }, payload: { period, reason: 'late bank confirmation' } });
  t.equal(run.statusCode, 201);
  const r = run.json();
  t.equal(r.version, 2);
  t.equal(r.previousVersion, 1);
  const change = (level: string, key: string, field: string) => r.changes.find((c: { level: string; key: string; field: string }) => c.level === level && c.key === key && c.field === field);
  t.same(change('total', 'total', 'contributions'), { level: 'total', key: 'total', field: 'contributions', from: v1.totals.contributions, to: v1.totals.contributions + 1 });
  t.same(change('total', 'total', 'contributionsAmount')?.to, v1.totals.contributionsAmount + 100_800);
  t.same(change('total', 'total', 'registrations')?.to, v1.totals.registrations + 1);
  const bppOfLate = groups[3]!.kecamatanCode;
  t.ok(change('bpp', bppOfLate, 'activeParticipants'), 'the BPP of the late payment changed');
  t.ok(change('agent', 'agent-bila', 'agentFees'), 'and the agent who collected it');
  t.notOk(r.changes.some((c: { level: string; key: string }) => c.level === 'bpp' && c.key !== bppOfLate), 'no other BPP changed');

  const v2 = (await get(`/v1/reports/monthly?period=${period}&level=bpp`)).body;
  t.equal(v2.version, 2, 'the latest version is read from now on');
  t.equal(v2.totals.contributions, v1.totals.contributions + 1);
  t.same(v2.changes, r.changes, 'the report carries its changes');
  const asAgent = (await get(`/v1/reports/monthly?period=${period}&level=agent`, agent)).body;
  t.same(asAgent.changes, [], 'an agent whose figures did not change sees no changes: not the district\'s, not another agent\'s fees');
  const asBila = (await get(`/v1/reports/monthly?period=${period}&level=agent`, gw.token('demo-agent', { sub: 'agent-bila' }))).body;
  t.ok(asBila.changes.length > 0, 'the agent who collected the late payment sees its changes');
  t.ok(asBila.changes.every((c: { level: string; key: string }) => c.level === 'agent' && c.key === 'agent-bila'), 'and only its own');
  const old = (await get(`/v1/reports/monthly?period=${period}&level=bpp&version=1`)).body;
  t.same(old.totals, v1.totals, 'version 1 can still be read as it was');
  t.equal((await get(`/v1/reports/monthly?period=${period}&level=bpp&version=9`)).status, 404);
});

t.test('the ranking: each BPP\'s parts and score, by the documented arithmetic', async (t) => {
  const period = ago(3);
  const prev = ago(4);
  const { status, body } = await get(`/v1/reports/ranking?period=${period}`);
  t.equal(status, 200);
  t.same(body.weights, { coverageGrowth: 0.5, continuity: 0.3, registrations: 0.2 });
  t.equal(body.entries.length, 8);
  const now = new Map((await get(`/v1/reports/monthly?period=${period}&level=bpp`)).body.rows.map((r: { key: string; figures: unknown }) => [r.key, r.figures]));
  const before = new Map((await get(`/v1/reports/monthly?period=${prev}&level=bpp`)).body.rows.map((r: { key: string; figures: unknown }) => [r.key, r.figures]));
  type F = { activeParticipants: number; inArrears: number; registrations: number; listedFarmers: number };
  const raw = KECAMATAN.map((k) => {
    const f = now.get(k.code) as F;
    const b = before.get(k.code) as F;
    return {
      bpp: k.code,
      coverageGrowth: (f.activeParticipants / f.listedFarmers - b.activeParticipants / b.listedFarmers) * 100,
      continuity: f.activeParticipants + f.inArrears ? (f.activeParticipants / (f.activeParticipants + f.inArrears)) * 100 : 0,
      registrations: (f.registrations * 1000) / f.listedFarmers,
    };
  });
  const best = (p: 'coverageGrowth' | 'continuity' | 'registrations') => Math.max(0, ...raw.map((r) => r[p]));
  for (const e of body.entries) {
    const r = raw.find((x) => x.bpp === e.bpp)!;
    let score = 0;
    for (const [p, w] of [['coverageGrowth', 0.5], ['continuity', 0.3], ['registrations', 0.2]] as const) {
      t.ok(Math.abs(e.parts[p].value - r[p]) < 0.001, `${e.name} ${p} value`);
      const scaled = best(p) > 0 ? (Math.max(0, r[p]) / best(p)) * 100 : 0;
      t.ok(Math.abs(e.parts[p].scaled - scaled) < 0.01, `${e.name} ${p} scaled`);
      t.ok(Math.abs(e.parts[p].points - scaled * w) < 0.01, `${e.name} ${p} points`);
      score += scaled * w;
    }
    t.ok(Math.abs(e.score - score) < 0.02, `${e.name} score ${e.score} ≈ ${score.toFixed(2)}`);
  }
  for (let i = 1; i < body.entries.length; i++) {
    t.ok(body.entries[i - 1].score >= body.entries[i].score, 'ordered by score');
    t.ok(body.entries[i].rank === (body.entries[i - 1].score === body.entries[i].score ? body.entries[i - 1].rank : i + 1), 'equal scores share a rank');
  }
});

t.test('ranking arithmetic on a worked example: weights, scaling to the best BPP, shared ranks', async (t) => {
  const f = (active: number, arrears: number, registrations: number, listed: number) => ({
    registrations, activeParticipants: active, pendingFirstPayment: 0, inArrears: arrears, lapsed: 0, listedFarmers: listed, coverageRate: active / listed,
    contributions: 0, contributionsAmount: 0, jkkReported: 0, jkkPaid: 0, jkkPaidAmount: 0, jkmReported: 0, jkmPaid: 0, jkmPaidAmount: 0, agentFees: 0,
  });
  const [a, b, c] = KECAMATAN;
  const rows = [
    { key: a!.code, name: a!.bpp, bpp: a!.code, figures: f(60, 20, 10, 200) }, // rate 30 %, was 20 %: +10 pp; continuity 75 %; 50 / 1,000
    { key: b!.code, name: b!.bpp, bpp: b!.code, figures: f(50, 0, 20, 100) }, // 50 %, was 45 %: +5 pp; 100 %; 200 / 1,000
    { key: c!.code, name: c!.bpp, bpp: c!.code, figures: f(10, 10, 0, 100) }, // 10 %, was 20 %: −10 pp → 0; 50 %; 0
  ];
  const before = [
    { ...rows[0]!, figures: f(40, 0, 0, 200) }, { ...rows[1]!, figures: f(45, 0, 0, 100) }, { ...rows[2]!, figures: f(20, 0, 0, 100) },
  ];
  const ranked = rankBpps(rows, before, { coverageGrowth: 2, continuity: 1, registrations: 1 });
  const byCode = new Map(ranked.map((e) => [e.bpp, e]));
  // A: growth 10/10 → 100 × 2/4 = 50; continuity 75/100 → 75 × 1/4 = 18.75; registrations 50/200 → 25 × 1/4 = 6.25: 75.
  t.same(byCode.get(a!.code)!.parts.coverageGrowth, { value: 10, scaled: 100, weight: 2, points: 50 });
  t.same(byCode.get(a!.code)!.parts.continuity, { value: 75, scaled: 75, weight: 1, points: 18.75 });
  t.same(byCode.get(a!.code)!.parts.registrations, { value: 50, scaled: 25, weight: 1, points: 6.25 });
  t.equal(byCode.get(a!.code)!.score, 75);
  // B: growth 5/10 → 50 × 0.5 = 25; continuity 100 → 25; registrations 100 → 25: 75, the same as A.
  t.equal(byCode.get(b!.code)!.score, 75);
  // C: growth negative → 0; continuity 50 → 12.5; registrations 0: 12.5.
  t.same(byCode.get(c!.code)!.parts.coverageGrowth, { value: -10, scaled: 0, weight: 2, points: 0 });
  t.equal(byCode.get(c!.code)!.score, 12.5);
  t.same(ranked.slice(0, 3).map((e) => [e.rank, e.bpp]), [[1, a!.code], [1, b!.code], [3, c!.code]], 'A and B share first place, C is third');
  t.same(ranked.slice(3).map((e) => e.score), [0, 0, 0, 0, 0], 'BPP without activity score 0');
});

t.test('an agent sees only its own figures; a level or a ranking it may not see is 403', async (t) => {
  const own = await get(`/v1/reports/monthly?period=${P}&level=agent`, agent);
  t.equal(own.status, 200);
  t.same(own.body.rows.map((r: { key: string }) => r.key), ['demo-agent'], 'only its own row');
  const all = (await get(`/v1/reports/monthly?period=${P}&level=agent`)).body;
  t.same(own.body.totals, all.rows.find((r: { key: string }) => r.key === 'demo-agent').figures, 'its totals are its own figures, not the district\'s');
  t.ok(all.rows.length >= 3, 'a supervisor sees every agent');
  for (const url of [`/v1/reports/monthly?period=${P}&level=bpp`, `/v1/reports/monthly?period=${P}&level=village`, `/v1/reports/ranking?period=${P}`, `/v1/reports/trend?period=${P}`]) {
    const res = await get(url, agent);
    t.equal(res.status, 403, url);
    t.match(res.headers['content-type'], /application\/problem\+json/);
    t.equal(res.body.code, 'forbidden');
  }
  const csv = await get(`/v1/reports/monthly?period=${P}&level=agent`, agent, { accept: 'text/csv' });
  t.equal(csv.status, 200);
  t.notMatch(csv.body, /agent-bila|agent-cabenge/, 'nor does its CSV show other agents');
  const run = await gw.app.inject({ method: 'POST', url: '/v1/reports/monthly/runs', headers: { authorization: `Bearer ${agent}` }, payload: { period: P, reason: 'try' } });
  t.equal(run.statusCode, 403);
  t.equal((await gw.app.inject({ url: `/v1/reports/monthly?period=${P}` })).statusCode, 401, 'no token, no report');
});

t.test('bad input is a problem+json with the field; an empty month is zeros', async (t) => {
  const cases: [string, number, string, string][] = [
    [`/v1/reports/monthly?period=${monthOf(monthIndex(current) + 1)}&level=bpp`, 400, 'period', 'future_period'],
    ['/v1/reports/monthly?period=2026-13&level=bpp', 400, 'period', ''],
    ['/v1/reports/monthly?period=2018-12&level=bpp', 400, 'period', 'before_programme'],
    ['/v1/reports/trend?period=0001-01', 400, 'period', 'before_programme'],
    ['/v1/reports/monthly?period=26-01&level=bpp', 400, 'period', ''],
    [`/v1/reports/monthly?period=${P}&level=district`, 400, 'level', ''],
    [`/v1/reports/monthly?period=${P}&level=village&bpp=731299`, 400, 'bpp', 'unknown_bpp'],
    [`/v1/reports/ranking?period=${monthOf(monthIndex(current) + 2)}`, 400, 'period', 'future_period'],
    [`/v1/reports/trend?period=${P}&bpp=123456`, 400, 'bpp', 'unknown_bpp'],
  ];
  for (const [url, status, field, code] of cases) {
    const res = await get(url);
    t.equal(res.status, status, url);
    t.match(res.headers['content-type'], /application\/problem\+json/);
    t.equal(res.body.code, 'validation_failed');
    t.ok(res.body.errors.some((e: { field: string; code: string }) => e.field.includes(field) && (!code || e.code === code)), `${url}: names ${field}`);
  }
  const empty = await get('/v1/reports/monthly?period=2019-02&level=village');
  t.equal(empty.status, 200, 'a month of the programme without activity is not an error');
  t.equal(empty.body.totals.registrations, 0);
  t.equal(empty.body.totals.contributionsAmount, 0);
  t.ok(empty.body.rows.every((r: { figures: { activeParticipants: number } }) => r.figures.activeParticipants === 0));
  t.equal(empty.body.rows.length, 70, 'every village of Soppeng, with zeros');
});

t.test('the same report as CSV, for a spreadsheet, with the same numbers', async (t) => {
  const json = (await get(`/v1/reports/monthly?period=${P}&level=village&bpp=${groups[0]!.kecamatanCode}`)).body;
  const res = await get(`/v1/reports/monthly?period=${P}&level=village&bpp=${groups[0]!.kecamatanCode}`, supervisor, { accept: 'text/csv' });
  t.equal(res.status, 200);
  t.match(res.headers['content-type'], /^text\/csv/);
  t.match(res.headers['content-disposition'], new RegExp(`attachment; filename="sutasoma-${P}-village-${groups[0]!.kecamatanCode}-v1.csv"`));
  t.equal(res.body.charCodeAt(0), 0xfeff, 'a byte-order mark, so Excel reads UTF-8');
  const lines = (res.body as string).slice(1).trimEnd().split('\r\n').map((l) => l.split(','));
  const header = lines[0]!;
  t.same(header.slice(0, 5), ['period', 'level', 'key', 'name', 'bpp']);
  t.equal(lines.length, json.rows.length + 2, 'a line per village and a TOTAL line');
  for (const r of json.rows) {
    const line = lines.find((l) => l[2] === r.key)!;
    for (const field of ['registrations', 'activeParticipants', 'contributionsAmount', 'agentFees']) {
      t.equal(Number(line[header.indexOf(field)]), r.figures[field], `${r.name} ${field}`);
    }
  }
  const total = lines.find((l) => l[2] === 'TOTAL')!;
  t.equal(Number(total[header.indexOf('contributionsAmount')]), json.totals.contributionsAmount);
  const link = await get(`/v1/reports/monthly?period=${P}&level=bpp&format=csv`);
  t.match(link.headers['content-type'], /^text\/csv/, 'format=csv does the same for a plain download link');
});

t.test('the current month is provisional and computed live', async (t) => {
  const g: Group = groups[1]!;
  await seedParticipant(pool, { agent: 'demo-agent', group: g, at: new Date().toISOString() });
  const a = (await get(`/v1/reports/monthly?period=${current}&level=bpp`)).body;
  t.equal(a.provisional, true);
  t.equal(a.version, null);
  await seedParticipant(pool, { agent: 'demo-agent', group: g, at: new Date().toISOString() });
  const b = (await get(`/v1/reports/monthly?period=${current}&level=bpp`)).body;
  t.equal(b.totals.registrations, a.totals.registrations + 1, 'it follows the ledger until the month ends');
  const run = await gw.app.inject({ method: 'POST', url: '/v1/reports/monthly/runs', headers: { authorization: `Bearer ${supervisor}` }, payload: { period: current, reason: 'too early' } });
  t.equal(run.statusCode, 400);
  t.equal(run.json().errors[0].code, 'month_not_over');
});

t.test('the trend: active participants and arrears at the end of each of the last 12 months', async (t) => {
  const { status, body } = await get(`/v1/reports/trend?period=${ago(2)}`);
  t.equal(status, 200);
  t.equal(body.points.length, 12);
  t.equal(body.points[11].period, ago(2));
  for (const p of body.points.slice(-5)) {
    const stored = (await get(`/v1/reports/monthly?period=${p.period}&level=bpp`)).body.totals;
    t.equal(p.activeParticipants, stored.activeParticipants, `${p.period} active, as in its snapshot`);
    t.equal(p.inArrears, stored.inArrears, `${p.period} in arrears, as in its snapshot`);
  }
  t.equal(body.points[0].activeParticipants, 0, 'months before the first registration are zeros');
  const bpp = groups[0]!.kecamatanCode;
  const one = (await get(`/v1/reports/trend?period=${P}&bpp=${bpp}`)).body;
  const row = (await get(`/v1/reports/monthly?period=${P}&level=bpp`)).body.rows.find((r: { key: string }) => r.key === bpp);
  t.equal(one.points.at(-1).activeParticipants, row.figures.activeParticipants, 'one BPP\'s trend ends at its figures');
});

t.test('the review is scheduled on the 5th at 00:30 Soppeng time, for the month before, and runs once per month', async (t) => {
  const { periodUnderReview } = await import('../src/jobs/monthly-snapshot.ts');
  t.equal(periodUnderReview(new Date('2026-03-04T16:30:00Z')), '2026-02', 'on 5 March 00:30 WITA it reviews February');
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  const queue = new Queue('gateway-reports', { connection: redis, prefix: gw.queues.prefix });
  const schedulers = await queue.getJobSchedulers();
  await queue.close();
  await redis.quit();
  const review = schedulers.find((s: { key: string }) => s.key === 'monthly-review');
  t.equal(review?.pattern, '30 0 5 * *', 'the 5th at 00:30');
  t.equal(review?.tz, 'Asia/Makassar');
  // The job's own work: the month under review, produced unless a snapshot exists (safe to run twice).
  const { produceSnapshot } = await import('../src/reports/snapshots.ts');
  const period = ago(5);
  const before = (await get(`/v1/reports/monthly?period=${period}&level=bpp`)).body;
  const again = await produceSnapshot(pool, period, { trigger: 'schedule', lapseAfterMonths: LAPSE, onlyIfMissing: true });
  t.equal(again.version, before.version, 'a second run of the job adds no version');
  const fresh = await produceSnapshot(pool, ago(20), { trigger: 'schedule', lapseAfterMonths: LAPSE, onlyIfMissing: true });
  t.equal(fresh.version, 1);
  t.equal(fresh.trigger, 'schedule');
});

t.test('an agent\'s follow-ups: its participants whose coverage ends within 14 days, has ended, or has lapsed', async (t) => {
  const today = todayInSoppeng();
  const day = (n: number) => new Date(Date.parse(`${today}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
  const g = groups[2]!;
  const soon = await seedParticipant(pool, { agent: 'demo-agent', group: g, at: `${ago(2)}-03T08:00:00+08:00`, coveredUntil: day(5), name: 'Sitti Soon' });
  const ended = await seedParticipant(pool, { agent: 'demo-agent', group: g, at: `${ago(2)}-03T08:00:00+08:00`, coveredUntil: day(-20), name: 'Andi Ended' });
  const lapsed = await seedParticipant(pool, { agent: 'demo-agent', group: g, at: `${ago(8)}-03T08:00:00+08:00`, coveredUntil: `${ago(6)}-15`, name: 'Baso Lapsed' });
  await seedParticipant(pool, { agent: 'demo-agent', group: g, at: `${ago(2)}-03T08:00:00+08:00`, coveredUntil: day(60), name: 'Covered Long' });
  await seedParticipant(pool, { agent: 'agent-bila', group: g, at: `${ago(2)}-03T08:00:00+08:00`, coveredUntil: day(3), name: 'Other Agent' });

  const res = await get('/v1/agents/me/follow-ups', agent);
  t.equal(res.status, 200);
  t.equal(res.body.withinDays, 14);
  t.equal(res.body.asOf, today);
  const items = res.body.items as { kpj: string; status: string; daysLeft: number; fullName: string; nikMasked: string; monthsInArrears: number; monthlyAmount: number }[];
  t.same(items.map((i) => i.kpj), [lapsed.kpj, ended.kpj, soon.kpj], 'soonest-ended first; long-covered and other agents\' participants are not listed');
  t.same(items.map((i) => i.status), ['lapsed', 'in_arrears', 'ending_soon']);
  t.equal(items[2]!.daysLeft, 5);
  t.equal(items[1]!.daysLeft, -20);
  t.equal(items[2]!.fullName, 'Sitti Soon');
  t.match(items[0]!.nikMasked, /^\d{4}\*+\d{4}$/, 'the NIK is masked');
  t.equal(items[0]!.monthlyAmount, 16_800);
  t.equal((await get('/v1/agents/me/follow-ups', supervisor)).status, 403, 'a list of an agent\'s own');
});
