import t from 'tap';
import { startGateway } from './helpers.ts';

// The pages people open in a browser: the ops console and the monthly review.
const gw = await startGateway(t, { DEMO_MODE: 'true', DEMO_PASSWORD: 'sutasoma-demo' });
const behindProxy = await startGateway(t, { DEMO_MODE: 'true', DEMO_PASSWORD: 'sutasoma-demo', TRUST_PROXY: '127.0.0.1' });
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const ORIGIN = 'http://localhost:80';

const signIn = async (app = gw.app, headers: Record<string, string> = {}) => app.inject({
  method: 'POST', url: '/review/login', payload: 'username=demo-supervisor&password=sutasoma-demo', headers: { ...form, ...headers },
});

t.test('the pages carry a Content Security Policy without inline scripts, and refuse framing', async (t) => {
  const session = String((await signIn()).headers['set-cookie']).split(';')[0]!;
  for (const [url, cookie] of [['/ops/login', ''], ['/review/login', ''], ['/review', session]] as const) {
    const res = await gw.app.inject({ url, headers: cookie ? { cookie } : {} });
    t.equal(res.statusCode, 200, url);
    const csp = String(res.headers['content-security-policy']);
    t.match(csp, /script-src 'self'(;|$)/, `${url}: scripts from our origin only (${csp})`);
    t.notMatch(csp, /script-src[^;]*unsafe-inline/, `${url}: no inline script`);
    t.match(csp, /frame-ancestors 'none'/, `${url}: not to be framed`);
    t.match(csp, /form-action 'self'/, `${url}: forms post only to us`);
    t.equal(res.headers['x-content-type-options'], 'nosniff', url);
  }
});

t.test('behind a TLS-terminating proxy the session cookie is Secure', async (t) => {
  const proxied = await signIn(behindProxy.app, { 'x-forwarded-proto': 'https' });
  t.match(String(proxied.headers['set-cookie']), /; Secure/, 'trusted proxy says https: Secure');
  const forged = await signIn(gw.app, { 'x-forwarded-proto': 'https' });
  t.notMatch(String(forged.headers['set-cookie']), /; Secure/, 'without TRUST_PROXY the header is not believed');
});

t.test('a write with the review cookie must be the page\'s own JSON call', async (t) => {
  const session = String((await signIn()).headers['set-cookie']).split(';')[0]!;
  const run = (headers: Record<string, string>, payload: string) => gw.app.inject({ method: 'POST', url: '/v1/reports/monthly/runs', headers: { cookie: session, ...headers }, payload });
  const json = JSON.stringify({ period: '2026-01', reason: 'late payments posted' });

  const urlencoded = await run({ ...form, origin: ORIGIN }, 'period=2026-01&reason=forged');
  t.equal(urlencoded.statusCode, 415, 'a form post (what a forged page can send) is refused');
  t.match(urlencoded.headers['content-type'], /application\/problem\+json/);
  const otherSite = await run({ 'content-type': 'application/json', origin: 'https://evil.example' }, json);
  t.equal(otherSite.statusCode, 403, 'from another origin: refused');
  t.match(otherSite.json().detail, /evil\.example/);
  t.equal((await run({ 'content-type': 'application/json' }, json)).statusCode, 403, 'without Origin: refused');
  const own = await run({ 'content-type': 'application/json', origin: ORIGIN }, json);
  t.equal(own.statusCode, 201, 'the page\'s own call runs the month');
  const bearer = await gw.app.inject({
    method: 'POST', url: '/v1/reports/monthly/runs', headers: { authorization: `Bearer ${gw.token('demo-supervisor')}`, 'content-type': 'application/json' }, payload: json,
  });
  t.equal(bearer.statusCode, 201, 'a bearer token (no cookie, nothing a browser sends by itself) needs no Origin');

  const crossSignIn = await signIn(gw.app, { origin: 'https://evil.example' });
  t.equal(crossSignIn.statusCode, 403, 'a sign-in form posted from another site is refused');
  t.notOk(crossSignIn.headers['set-cookie'], 'and sets no cookie');
});
