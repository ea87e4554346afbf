// `npm run demo:activity`, with `npm start` running: a month's worth of field work through the public
// API with the demo accounts and the simulator's farmers, for the monthly review at /review.
// The demo agent works Lalabata (paying cash); the supervisor registers farmers in the other seven
// BPP (paying from the farmer card), so the ranking has something to rank. Then a few JKK cases and
// a JKM claim are filed. The gateway stamps everything now(): it all lands in the current month,
// which the review shows as provisional until the month ends.
//   DEMO_COUNT (per BPP, 12), DEMO_OFFSET (first simulator farmer, random unless set), GATEWAY_URL, SIM_URL, DEMO_PASSWORD
import { KECAMATAN, todayInSoppeng } from '@sutasoma/contracts';

const GATEWAY = process.env['GATEWAY_URL'] ?? 'http://127.0.0.1:8080';
const SIM = process.env['SIM_URL'] ?? 'http://127.0.0.1:9090';
const PASSWORD = process.env['DEMO_PASSWORD'] ?? 'sutasoma-demo';
const PER_BPP = Number(process.env['DEMO_COUNT'] ?? 12);
const OFFSET = Number(process.env['DEMO_OFFSET'] ?? Math.floor(Math.random() * 400));
const MONTHS = [1, 1, 2, 3, 6, 12];

interface Farmer { nik: string; fullName: string; villageCode: string; [k: string]: unknown }

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${res.url} answered ${res.status}: ${text.slice(0, 200)}`);
  }
}

async function login(username: string): Promise<string> {
  const res = await fetch(`${GATEWAY}/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
  if (!res.ok) throw new Error(`sign-in of ${username} refused (${res.status}): is the gateway running in demo mode (npm start)?`);
  return (await json<{ accessToken: string }>(res)).accessToken;
}

const call = async <T>(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
  const res = await fetch(`${GATEWAY}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: await json<T>(res) };
};

async function settle<T extends { status: string }>(token: string, path: string, done: string[], timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await call<T>(token, 'GET', path);
    if (done.includes(body.status) || Date.now() > deadline) return body;
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Runs `work` over `items`, `n` at a time. */
async function pool<T, R>(items: T[], n: number, work: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!, i);
    }
  }));
  return out;
}

const agent = await login('demo-agent');
const supervisor = await login('demo-supervisor');
const counts = { registered: 0, rejected: 0, skipped: 0, paid: 0, claims: 0 };

for (const k of KECAMATAN) {
  const token = k.name === 'Lalabata' ? agent : supervisor;
  const channel = k.name === 'Lalabata' ? 'agent_cash' : 'kartu_tani_debit';
  // Bigger BPP get more visits, so the ranking's registrations part differs between them.
  const count = Math.max(3, Math.round(PER_BPP * (0.5 + ((k.code.charCodeAt(5) * 7) % 10) / 10)));
  const res = await fetch(`${SIM}/_sim/farmers?kecamatan=${encodeURIComponent(k.name)}&case=eligible&cardStatus=ACTIVE&limit=${count}&offset=${OFFSET}`);
  if (!res.ok) throw new Error(`the simulator did not answer at ${SIM} (${res.status})`);
  const farmers = (await json<{ items: Farmer[] }>(res)).items;
  const registered = await pool(farmers, 6, async (f) => {
    const r = await call<{ id: string }>(token, 'POST', '/v1/registrations', f);
    if (r.status !== 202) { counts.skipped++; return null; }
    const reg = await settle<{ status: string; kpj: string | null }>(token, `/v1/registrations/${r.body.id}`, ['registered', 'rejected', 'failed']);
    if (reg.status !== 'registered' || !reg.kpj) { counts.rejected++; return null; }
    counts.registered++;
    return { ...f, kpj: reg.kpj };
  });
  const participants = registered.filter((p): p is Farmer & { kpj: string } => p !== null);
  // About four in five pay at once, for 1 to 12 months; the rest are left for the follow-up list.
  await pool(participants.filter((_p, i) => i % 5 !== 4), 6, async (p, i) => {
    const c = await call<{ id: string }>(token, 'POST', '/v1/contributions', { kpj: p.kpj, months: MONTHS[i % MONTHS.length], channel });
    if (c.status !== 202) return;
    const done = await settle<{ status: string }>(token, `/v1/contributions/${c.body.id}`, ['posted', 'failed', 'expired']);
    if (done.status === 'posted') counts.paid++;
  });
  // An accident case for one participant in every other BPP, and a death claim in Lalabata.
  const today = todayInSoppeng();
  if (participants[0] && Number(k.code.slice(-1)) % 2 === 1) {
    const r = await call(token, 'POST', '/v1/claims', { type: 'jkk', kpj: participants[0].kpj, accidentDate: today, description: 'Terjatuh dari pematang sawah saat panen' });
    if (r.status === 202) counts.claims++;
  }
  if (k.name === 'Lalabata' && participants[1] && participants[2]) {
    // The heir's savings account, opened at the simulated bank so the benefit can be paid into it.
    const account = { bankCode: '002', accountNo: `002${participants[2].nik.slice(-10)}`, holderName: participants[2].fullName };
    await fetch(`${SIM}/_sim/bank/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(account) });
    const r = await call(token, 'POST', '/v1/claims', {
      type: 'jkm', kpj: participants[1].kpj, dateOfDeath: today, deathCertificateRef: `AKTA-${Date.now()}`,
      heir: { nik: participants[2].nik, name: participants[2].fullName, relation: 'spouse', account },
    });
    if (r.status === 202) counts.claims++;
  }
  console.log(`${k.bpp}: ${participants.length} registered`);
}

const period = todayInSoppeng().slice(0, 7);
const report = await call<{ totals: Record<string, number | null> }>(supervisor, 'GET', `/v1/reports/monthly?period=${period}&level=bpp`);
console.log(`\n${counts.registered} registered (${counts.rejected} refused, ${counts.skipped} already known), ${counts.paid} contributions posted, ${counts.claims} claims filed.`);
console.log(`${period} so far: ${JSON.stringify(report.body.totals)}`);
console.log(`\nThe review: ${GATEWAY}/review (demo-supervisor / ${PASSWORD}), month ${period}.`);
console.log(`The CSV:    curl -H "authorization: Bearer <supervisor token>" -H 'accept: text/csv' '${GATEWAY}/v1/reports/monthly?period=${period}&level=village'`);
