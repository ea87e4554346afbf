import t from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { REQUIRED_ENV, handSignedToken as token, startGateway } from './helpers.ts';
import { loadConfig } from '../src/config.ts';

const gw = await startGateway(t);
const now = () => Math.floor(Date.now() / 1000);
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

t.test('a token accepted a moment ago is refused once it has expired: a verification kept for the next request never outlives the token', async (t) => {
  // Valid for 7 to 8 s: room for two requests on a loaded machine.
  const exp = now() + 8;
  const shortLived = token({ iat: now(), exp });
  t.equal(await status(shortLived), 404, 'accepted while valid');
  t.equal(await status(shortLived), 404, 'and again (its verification kept)');
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 200));
  t.equal(await status(shortLived), 401, 'refused after its exp');
});

t.test('an identity provider\'s key must be a PEM public key of an accepted type', async (t) => {
  const base = { ...REQUIRED_ENV, JWT_SECRET: undefined as unknown as string };
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

t.test('demo mode is refused where it could meet real users, and has no default password', async (t) => {
  const demo = { ...REQUIRED_ENV, DEMO_MODE: 'true', DEMO_PASSWORD: 'a-demo-password' };
  t.equal(loadConfig(demo).DEMO_MODE, true, 'on a developer\'s machine, with its password given');
  const rsa = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
  t.throws(() => loadConfig({ ...demo, NODE_ENV: 'production' }), /DEMO_MODE.*NODE_ENV=production/, 'with NODE_ENV=production');
  t.throws(() => loadConfig({ ...demo, JWT_PUBLIC_KEY: rsa }), /DEMO_MODE.*JWT_PUBLIC_KEY/, 'with the identity provider\'s key configured');
  t.throws(() => loadConfig({ ...REQUIRED_ENV, DEMO_MODE: 'true' }), /DEMO_PASSWORD.*required/, 'without a password of its own');
});
