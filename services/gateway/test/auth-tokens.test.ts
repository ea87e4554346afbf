import t from 'tap';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { PII_TEST_ENV } from '@sutasoma/testing';
import { TEST_JWT_SECRET, startGateway } from './helpers.ts';
import { loadConfig } from '../src/config.ts';

const gw = await startGateway(t);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** A token signed with the gateway's secret: by default every claim it needs, nothing else odd. */
function token(claims: Record<string, unknown> = {}, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }, secret = TEST_JWT_SECRET): string {
  const body = { sub: 'agent-x', role: 'agent', villages: ['7312022001'], iss: 'sutasoma', aud: 'sutasoma-gateway', iat: now(), exp: now() + 600, ...claims };
  for (const [k, v] of Object.entries(body)) if (v === undefined) delete (body as Record<string, unknown>)[k];
  const unsigned = `${b64(header)}.${b64(body)}`;
  const alg = header['alg'] === 'HS512' ? 'sha512' : 'sha256';
  return header['alg'] === 'none' ? `${unsigned}.` : `${unsigned}.${createHmac(alg, secret).update(unsigned).digest('base64url')}`;
}
const status = async (bearer: string) => (await gw.app.inject({ url: '/v1/participants/26300000000', headers: { authorization: `Bearer ${bearer}` } })).statusCode;

t.test('a token with every claim, our issuer and audience, HS256, is accepted', async (t) => {
  t.equal(await status(token()), 404, 'through to the route: no such participant');
  t.equal(await status(gw.token('demo-agent')), 404, 'as are the tokens the gateway signs itself');
});

t.test('tokens that must be refused', async (t) => {
  const cases: [string, string][] = [
    ['no exp (it would never expire)', token({ exp: undefined })],
    ['no iat', token({ iat: undefined })],
    ['no audience', token({ aud: undefined })],
    ['another service\'s audience', token({ aud: 'another-service' })],
    ['another issuer', token({ iss: 'someone-else' })],
    ['issued longer ago than the longest life allowed (24 h), though its exp is ahead', token({ iat: now() - 25 * 3600, exp: now() + 600 })],
    ['expired', token({ iat: now() - 700, exp: now() - 100 })],
    ['alg none', token({}, { alg: 'none', typ: 'JWT' })],
    ['HS512 with the same secret: not the pinned algorithm', token({}, { alg: 'HS512', typ: 'JWT' })],
    ['signed with another secret', token({}, undefined, 'x'.repeat(40))],
  ];
  for (const [why, bearer] of cases) t.equal(await status(bearer), 401, why);
});

t.test('an identity provider\'s key must be a PEM public key of an accepted type', async (t) => {
  const base = { JWT_SECRET: undefined as unknown as string, ...PII_TEST_ENV };
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  t.equal(loadConfig({ ...base, JWT_PUBLIC_KEY: rsa }).JWT_PUBLIC_KEY, rsa, 'an RSA public key in PEM');
  for (const [why, key] of [
    ['a bare secret, which a library would take for an HMAC key', 'not-a-key-but-a-long-enough-shared-secret-0123456789'],
    ['a private key', generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()],
    ['a curve we do not accept', generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString()],
  ] as const) {
    t.throws(() => loadConfig({ ...base, JWT_PUBLIC_KEY: key }), /JWT_PUBLIC_KEY/, why);
  }
});
