import t from 'tap';
import { startGateway } from './helpers.ts';

const env = { DEMO_MODE: 'true', DEMO_PASSWORD: 'sutasoma-demo', RATE_LIMIT_API_PER_MIN: '5', RATE_LIMIT_SIGN_IN_PER_MIN: '3' };
const gw = await startGateway(t, env);
const replica = await startGateway(t, env, { ...gw.queues, cleanup: async () => {} }); // the same Redis prefix, cleaned by gw

const lookup = (app: typeof gw.app, token: string) => app.inject({
  method: 'POST', url: '/v1/participants/lookup', payload: { nik: '7312024505880007' }, headers: { authorization: `Bearer ${token}` },
});

t.test('one account\'s calls are limited per minute, counted across replicas', async (t) => {
  const agent = gw.token('demo-agent');
  const answers = [];
  for (let i = 0; i < 4; i++) answers.push((await lookup(gw.app, agent)).statusCode);
  answers.push((await lookup(replica.app, agent)).statusCode);
  t.same(answers, [404, 404, 404, 404, 404], 'five calls through (no such participant), the fifth on another replica');
  const sixth = await lookup(replica.app, agent);
  t.equal(sixth.statusCode, 429, 'the sixth in the minute is refused, on whichever replica');
  t.match(sixth.headers['content-type'], /application\/problem\+json/);
  t.match(sixth.json(), { status: 429, code: 'rate_limited', detail: /try again in \d+ s/ });
  const retryAfter = Number(sixth.headers['retry-after']);
  t.ok(retryAfter > 0 && retryAfter <= 60, `with Retry-After (${retryAfter} s)`);
  t.equal((await lookup(gw.app, gw.token('demo-supervisor'))).statusCode, 404, 'another account is not held back');
});

t.test('sign-in attempts are limited per username and per address', async (t) => {
  const token = (username: string, password: string, ip = '10.0.0.7') => gw.app.inject({
    method: 'POST', url: '/v1/auth/token', payload: { username, password }, remoteAddress: ip,
  });
  const guesses = [];
  for (const p of ['tebak-1', 'tebak-2', 'tebak-3']) guesses.push((await token('demo-ops', p)).statusCode);
  t.same(guesses, [401, 401, 401], 'three wrong guesses are answered');
  const fourth = await token('demo-ops', 'sutasoma-demo', '10.0.0.8');
  t.equal(fourth.statusCode, 429, 'the fourth for that username is refused, the right password and another address too');
  t.ok(Number(fourth.headers['retry-after']) > 0, 'with Retry-After');
  t.equal((await token('demo-agent', 'sutasoma-demo')).statusCode, 200, 'another username from the same address signs in');

  // Per address: nine attempts a minute, whatever the usernames (spraying one password over many).
  const spray = [];
  for (let i = 0; i < 8; i++) spray.push((await token(`petani-${i}`, 'sutasoma-demo', '10.0.0.9')).statusCode);
  t.same(spray, Array(8).fill(401));
  const form = await gw.app.inject({
    method: 'POST', url: '/review/login', payload: 'username=demo-supervisor&password=x', remoteAddress: '10.0.0.9',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  t.equal(form.statusCode, 401, 'the review form counts with the token endpoint: the ninth is answered');
  const tenth = await gw.app.inject({
    method: 'POST', url: '/ops/login', payload: 'username=demo-ops-2&password=x', remoteAddress: '10.0.0.9',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  t.equal(tenth.statusCode, 429, 'the tenth from that address is refused, from the ops form too');
});
