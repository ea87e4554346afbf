import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { OPENAPI_PATH, renderOpenApi } from '../src/openapi-document.ts';
import { startGateway } from './helpers.ts';

const gw = await startGateway(t, { DEMO_MODE: 'true', DEMO_PASSWORD: 'sutasoma-demo' });

t.test('the committed OpenAPI document is the one the zod schemas generate (run `npm run openapi` when this fails)', async (t) => {
  const committed = await readFile(fileURLToPath(new URL(`../../../${OPENAPI_PATH}`, import.meta.url)), 'utf8');
  t.equal(renderOpenApi(gw.app), committed);
});

t.test('the served document is OpenAPI 3.1 and documents the registration contract', async (t) => {
  const doc = (await gw.app.internal.inject({ url: '/openapi.json' })).json();
  t.equal(doc.openapi, '3.1.0');
  const post = doc.paths['/v1/registrations'].post;
  t.ok(post.parameters.some((p: { in: string; name: string; required: boolean }) => p.in === 'header' && p.name === 'idempotency-key' && p.required));
  t.same(Object.keys(post.responses).sort(), ['202', '400', '401', '403', '409', '413', '422', '429']);
  t.same(post.security, [{ bearerAuth: [] }]);
  t.ok(doc.paths['/v1/registrations/{id}'].get);
});

t.test('demo mode issues tokens for the seeded accounts and refuses a wrong password', async (t) => {
  const ok = await gw.app.inject({ method: 'POST', url: '/v1/auth/token', payload: { username: 'demo-agent', password: 'sutasoma-demo' } });
  t.equal(ok.statusCode, 200);
  t.equal(ok.json().tokenType, 'Bearer');
  const claims = gw.app.jwt.decode<{ role: string; villages: string[] }>(ok.json().accessToken)!;
  t.equal(claims.role, 'agent');
  t.equal(claims.villages.length, 10, 'the demo agent serves the 10 villages of Lalabata');
  const bad = await gw.app.inject({ method: 'POST', url: '/v1/auth/token', payload: { username: 'demo-agent', password: 'wrong-password' } });
  t.equal(bad.statusCode, 401);
  t.equal(bad.json().code, 'invalid_credentials');
});
