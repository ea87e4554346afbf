import t from 'tap';
import { startGateway } from './helpers.ts';

// Demo mode: tokens and sign-in forms for the seeded accounts, as an agent app and a supervisor use them.
const env = { DEMO_MODE: 'true', DEMO_PASSWORD: 'sutasoma-demo' };
const gw = await startGateway(t, env);
const form = { 'content-type': 'application/x-www-form-urlencoded' };

const tokenOf = async (username: string) => {
  const res = await gw.app.inject({ method: 'POST', url: '/v1/auth/token', payload: { username, password: 'sutasoma-demo' } });
  return res.json<{ accessToken: string }>().accessToken;
};
const lookup = (app: typeof gw.app, token: string) => app.inject({
  method: 'POST', url: '/v1/participants/lookup', payload: { nik: '7312024505880007' }, headers: { authorization: `Bearer ${token}` },
});

t.test('an agent app signs out: its token is refused from then on, by every replica', async (t) => {
  const token = await tokenOf('demo-agent');
  const other = await tokenOf('demo-agent');
  t.equal((await lookup(gw.app, token)).statusCode, 404, 'before: through to the route (no such participant)');

  const out = await gw.app.inject({ method: 'POST', url: '/v1/auth/sign-out', headers: { authorization: `Bearer ${token}` } });
  t.equal(out.statusCode, 204);

  const after = await lookup(gw.app, token);
  t.equal(after.statusCode, 401, 'the signed-out token is refused');
  t.match(after.headers['content-type'], /application\/problem\+json/);
  t.match(after.json().detail, /signed out/);
  const replica = await startGateway(t, env, { ...gw.queues, cleanup: async () => {} }); // the same Redis prefix, cleaned by gw
  t.equal((await lookup(replica.app, token)).statusCode, 401, 'by another gateway replica too');
  t.equal((await lookup(gw.app, other)).statusCode, 404, 'the same person\'s other token (another phone) still works');

  const keys = await gw.queues.redis.keys(`${gw.queues.prefix}:revoked-token:*`);
  t.equal(keys.length, 1, 'one deny-list entry, named by the token\'s hash');
  t.notOk(keys[0]!.includes(token), 'not by the token itself');
  const ttl = await gw.queues.redis.ttl(keys[0]!);
  t.ok(ttl > 0 && ttl <= 8 * 3600, `kept until the token would have expired (${ttl} s), not for ever`);

  t.equal((await gw.app.inject({ method: 'POST', url: '/v1/auth/sign-out' })).statusCode, 401, 'signing out needs a token');
});

t.test('signing out of the ops console and the review page revokes the session cookie\'s token', async (t) => {
  for (const [base, username, url] of [
    ['/ops', 'demo-ops', '/ops/queues/api/queues'],
    ['/review', 'demo-supervisor', '/v1/reports/monthly?period=2026-01&level=bpp'],
  ] as const) {
    const login = await gw.app.inject({ method: 'POST', url: `${base}/login`, payload: `username=${username}&password=sutasoma-demo`, headers: form });
    t.equal(login.statusCode, 303, `${base}: signed in`);
    const session = String(login.headers['set-cookie']).split(';')[0]!;
    t.equal((await gw.app.inject({ url, headers: { cookie: session } })).statusCode, 200, `${base}: the session reads ${url}`);

    const out = await gw.app.inject({ method: 'POST', url: `${base}/logout`, headers: { cookie: session } });
    t.equal(out.statusCode, 303, `${base}: signed out`);
    t.equal((await gw.app.inject({ url, headers: { cookie: session } })).statusCode, 401, `${base}: a copy of the old cookie no longer reads ${url}`);
  }
});
