import t from 'tap';
import { createLogger } from '@sutasoma/service-kit';
import { startGateway } from './helpers.ts';

// The gateway with demo accounts, its log lines captured.
const chunks: string[] = [];
const logger = createLogger({ name: 'gateway', level: 'info', destination: { write: (s: string) => { chunks.push(s); } } });
const gw = await startGateway(t, { DEMO_MODE: 'true', DEMO_PASSWORD: 'sutasoma-demo' }, undefined, { logger });

t.test('demo mode says so at start, loudly', async (t) => {
  const lines = chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const warning = lines.find((l) => /DEMO MODE/.test(String(l['msg'])));
  t.ok(warning, 'a line at start names demo mode');
  t.equal(warning?.['level'], 40, 'at warn');
});

t.test('a refused sign-in is logged without the name or the password typed', async (t) => {
  const typed = { username: 'besse.hasnah@example.id', password: 'Rahasia-Besse-2026' };
  for (const base of ['/ops', '/review']) {
    const res = await gw.app.inject({
      method: 'POST', url: `${base}/login`, payload: new URLSearchParams(typed).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    t.equal(res.statusCode, 401, `${base}: refused`);
  }
  const lines = chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const refusals = lines.filter((l) => /sign-in refused/.test(String(l['msg'])));
  t.equal(refusals.length, 2, 'each refusal is logged');
  for (const r of refusals) t.ok(r['ip'], 'with the address it came from');
  const all = chunks.join('');
  t.notOk(all.includes('besse'), 'the name typed is not in the log');
  t.notOk(all.includes('Rahasia'), 'nor the password');
});
