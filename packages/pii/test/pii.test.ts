import t from 'tap';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { Pii, PiiError, PiiIndexKey, PiiKeys } from '../src/index.ts';

// Keys made for this file only.
const k1 = randomBytes(32);
const k2 = randomBytes(32);
const indexKey = randomBytes(32);
const farmer = { nik: '7312024505880007', fullName: 'Besse Hasnah', birthDate: '1988-05-05', phone: '081234567890', villageCode: '7312022001', declaredMonthlyIncome: 1000000 };

t.test('a protected object holds its personal fields sealed, the others in clear, and is revealed whole', async (t) => {
  const pii = new Pii([{ id: 'k1', key: k1 }], indexKey);
  const stored = pii.protect(farmer);
  t.same(Object.keys(stored).sort(), ['declaredMonthlyIncome', 'pii', 'villageCode']);
  for (const clear of [farmer.nik, farmer.fullName, farmer.birthDate, farmer.phone]) t.notOk(JSON.stringify(stored).includes(clear), 'nothing personal in clear');
  t.match(stored['pii'], /^v1:k1:[A-Za-z0-9_-]+$/, 'the sealed value names its key');
  t.same(pii.reveal(stored), farmer);
  t.not(pii.protect(farmer)['pii'], stored['pii'], 'a fresh IV each time');
  t.same(pii.protect({ kpj: '19000000001', amount: 16800 }), { kpj: '19000000001', amount: 16800 }, 'nothing personal: as it was');
  t.same(pii.reveal(pii.protect({ ...stored, payoutAccount: { accountNo: '0021203850002' } })), { ...farmer, payoutAccount: { accountNo: '0021203850002' } },
    'a personal field added to a protected object joins the sealed ones');
});

t.test('every seal has an IV of its own: two thousand seals of one value, across several blocks of random bytes, never repeat one', async (t) => {
  const pii = new Pii([{ id: 'k1', key: k1 }], indexKey);
  const sealed = Array.from({ length: 2000 }, () => pii.seal(farmer));
  const ivs = new Set(sealed.map((s) => Buffer.from(s.slice('v1:k1:'.length), 'base64url').subarray(0, 12).toString('hex')));
  t.equal(ivs.size, sealed.length, 'no IV twice (GCM under one key must never see one again)');
  t.ok(sealed.every((s) => JSON.stringify(pii.open(s)) === JSON.stringify(farmer)), 'each opens to the value sealed');
});

t.test('rotation: new data under the first key, older data still opens; an unknown or altered value is refused', async (t) => {
  const before = new Pii([{ id: 'k1', key: k1 }]);
  const sealedBefore = before.seal(farmer);
  const after = new Pii([{ id: 'k2', key: k2 }, { id: 'k1', key: k1 }]);
  t.equal(after.keyId, 'k2');
  t.equal(after.keyIdOf(after.seal(1)), 'k2', 'sealed under the new key');
  t.same(after.open(sealedBefore), farmer, 'opened with the old key, still in the ring');
  t.throws(() => new Pii([{ id: 'k2', key: k2 }]).open(sealedBefore), new PiiError('sealed under key k1, which PII_KEYS does not hold'));
  const body = sealedBefore.slice('v1:k1:'.length);
  const flipped = `v1:k1:${body.slice(0, 20)}${body[20] === 'A' ? 'B' : 'A'}${body.slice(21)}`;
  t.throws(() => before.open(flipped), /does not authenticate/, 'one character changed');
  t.throws(() => new Pii([{ id: 'k1', key: k2 }]).open(sealedBefore), /does not authenticate/, 'another key under the same id');
  t.throws(() => new Pii([{ id: 'k9', key: k1 }]).open(`v1:k9:${body}`), /does not authenticate/, 'the key id is authenticated too');
});

t.test('the blind index: the same NIK, the same index; another key, another index; no index without the key', async (t) => {
  const pii = new Pii([{ id: 'k1', key: k1 }], indexKey);
  t.equal(pii.index(farmer.nik), new Pii([{ id: 'k2', key: k2 }], indexKey).index(farmer.nik), 'independent of the sealing keys');
  t.match(pii.index(farmer.nik), /^[A-Za-z0-9_-]{43}$/);
  t.not(pii.index(farmer.nik), new Pii([{ id: 'k1', key: k1 }], randomBytes(32)).index(farmer.nik));
  t.not(pii.index(farmer.nik), pii.digest(farmer.nik), 'the index and the request digest are keyed apart');
  t.throws(() => new Pii([{ id: 'k1', key: k1 }]).index(farmer.nik), /PII_INDEX_KEY/);
  t.throws(() => new Pii([{ id: 'k1', key: k1 }], k1), /must not be one of PII_KEYS/);
});

t.test('configuration: each bad key ring or index key refused with its reason, never the key', async (t) => {
  const Env = z.object({ PII_KEYS: PiiKeys, PII_INDEX_KEY: PiiIndexKey });
  const b64 = (n: number) => randomBytes(n).toString('base64');
  const ok = Env.parse({ PII_KEYS: `k2:${b64(32)}, k1:${randomBytes(32).toString('base64url')}`, PII_INDEX_KEY: b64(48) });
  t.same(ok.PII_KEYS.map((k) => k.id), ['k2', 'k1'], 'both alphabets, in order');
  const short = b64(16);
  const cases: [Record<string, string | undefined>, RegExp][] = [
    [{ PII_INDEX_KEY: b64(32) }, /PII_KEYS.*required/],
    [{ PII_KEYS: '', PII_INDEX_KEY: b64(32) }, /at least one key/],
    [{ PII_KEYS: b64(32), PII_INDEX_KEY: b64(32) }, /key 1 must be kid:base64key/],
    [{ PII_KEYS: `k1:${short}`, PII_INDEX_KEY: b64(32) }, /key k1 must be the base64 of 32 random bytes \(it holds 16\)/],
    [{ PII_KEYS: `k1:${b64(32)},k1:${b64(32)}`, PII_INDEX_KEY: b64(32) }, /key id k1 is given twice/],
    [{ PII_KEYS: 'k1:not base64!', PII_INDEX_KEY: b64(32) }, /it is not base64/],
    [{ PII_KEYS: `k1:${b64(32)}` }, /PII_INDEX_KEY.*required/],
    [{ PII_KEYS: `k1:${b64(32)}`, PII_INDEX_KEY: b64(16) }, /32 to 64 random bytes \(it holds 16\)/],
  ];
  for (const [env, why] of cases) {
    const res = Env.safeParse(env);
    t.notOk(res.success, why.source);
    const text = res.success ? '' : res.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    t.match(text, why);
    t.notOk(text.includes(short), 'the key is not repeated');
  }
});
