import { generateKeyPairSync } from 'node:crypto';
import t from 'tap';
import { jakartaTimestamp, snapTokenSignature, snapTransactionSignature } from '../src/systems/bank-snap.ts';
import { CREATE_VA, DEBIT, bankClient, demoClientKey, newExternalId, oneFarmer, sleep, startSim, vaBody } from './helpers.ts';

interface AccountItem {
  accountNo: string;
  kind: string;
  balance: number | null;
}

t.test('the B2B token: an RSA-SHA256 signature of clientId|timestamp with the client\'s key', async (t) => {
  const app = await startSim(t);
  const key = await demoClientKey(app);
  t.equal(key.clientId, 'sutasoma');
  t.equal(key.clientSecret, 'sim-bank-secret');
  t.match(key.privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);

  const token = (headers: Record<string, string>, payload: object = { grantType: 'client_credentials' }) =>
    app.inject({ method: 'POST', url: '/bank/v1.0/access-token/b2b', headers, payload });
  const ts = jakartaTimestamp();
  t.match(ts, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$/);

  const ok = await token({ 'x-timestamp': ts, 'x-client-key': 'sutasoma', 'x-signature': snapTokenSignature(key.privateKeyPem, 'sutasoma', ts) });
  t.equal(ok.statusCode, 200);
  const body = ok.json<{ accessToken: string }>();
  t.same(body, { responseCode: '2007300', responseMessage: 'Successful', accessToken: body.accessToken, tokenType: 'Bearer', expiresIn: '900' });
  t.ok(body.accessToken.length >= 32, 'an opaque token');
  const utc = new Date().toISOString();
  t.equal((await token({ 'x-timestamp': utc, 'x-client-key': 'sutasoma', 'x-signature': snapTokenSignature(key.privateKeyPem, 'sutasoma', utc) })).statusCode,
    200, 'a Z offset is ISO 8601 too');

  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const refused = [
    { 'x-timestamp': ts, 'x-client-key': 'sutasoma', 'x-signature': snapTokenSignature(other, 'sutasoma', ts) },
    { 'x-timestamp': ts, 'x-client-key': 'sutasoma', 'x-signature': snapTokenSignature(key.privateKeyPem, 'sutasoma', jakartaTimestamp(new Date(Date.now() + 1000))) },
    { 'x-timestamp': ts, 'x-client-key': 'sutasoma', 'x-signature': 'bm90IGEgc2lnbmF0dXJl' },
  ];
  for (const headers of refused) {
    const res = await token(headers);
    t.equal(res.statusCode, 401);
    t.same(res.json(), { responseCode: '4017300', responseMessage: 'Unauthorized. Signature' });
  }
  const stale = jakartaTimestamp(new Date(Date.now() - 301_000));
  const old = await token({ 'x-timestamp': stale, 'x-client-key': 'sutasoma', 'x-signature': snapTokenSignature(key.privateKeyPem, 'sutasoma', stale) });
  t.equal(old.json<{ responseCode: string }>().responseCode, '4017300', 'a timestamp too far from now');
  const stranger = await token({ 'x-timestamp': ts, 'x-client-key': 'someone', 'x-signature': snapTokenSignature(key.privateKeyPem, 'someone', ts) });
  t.equal(stranger.statusCode, 401, 'an unknown client key');

  const missing = await token({ 'x-timestamp': ts, 'x-client-key': 'sutasoma' });
  t.same(missing.json(), { responseCode: '4007302', responseMessage: 'Invalid Mandatory Field X-SIGNATURE' });
  const badTs = await token({ 'x-timestamp': '1700000000', 'x-client-key': 'sutasoma', 'x-signature': snapTokenSignature(key.privateKeyPem, 'sutasoma', '1700000000') });
  t.same(badTs.json(), { responseCode: '4007301', responseMessage: 'Invalid Field Format X-TIMESTAMP' });
  const grant = await token({ 'x-timestamp': ts, 'x-client-key': 'sutasoma', 'x-signature': snapTokenSignature(key.privateKeyPem, 'sutasoma', ts) }, { grantType: 'password' });
  t.same(grant.json(), { responseCode: '4007301', responseMessage: 'Invalid Field Format grantType' });
});

t.test('a configured public key replaces the demo key pair', async (t) => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const app = await startSim(t, { SIM_BANK_CLIENT_PUBLIC_KEY: pem.replace(/\n/g, '\\n'), SIM_BANK_CLIENT_ID: 'koperasi' });
  t.equal((await app.inject({ url: '/_sim/bank/demo-client-key' })).statusCode, 404, 'no private key to show');
  const ts = jakartaTimestamp();
  const res = await app.inject({
    method: 'POST', url: '/bank/v1.0/access-token/b2b', payload: { grantType: 'client_credentials' },
    headers: { 'x-timestamp': ts, 'x-client-key': 'koperasi', 'x-signature': snapTokenSignature(privateKey, 'koperasi', ts) },
  });
  t.equal(res.statusCode, 200);
});

t.test('transactions: bearer token and HMAC-SHA512 signature, refused with 401 and the service code', async (t) => {
  // The default token lifetime: every call below must be judged on its signature, never on a token
  // that ran out while a busy machine was slow. Expiry has a simulator of its own at the end.
  const app = await startSim(t);
  const bank = await bankClient(app);

  const created = await bank.call(CREATE_VA, vaBody('1001', 'trx-sig-1'));
  t.equal(created.status, 200);
  t.equal(created.body.responseCode, '2002700');

  const wrongSecret = await bank.call(CREATE_VA, vaBody('1002', 'trx-sig-2'), { secret: 'not-the-secret' });
  t.equal(wrongSecret.status, 401);
  t.same(wrongSecret.body, { responseCode: '4012700', responseMessage: 'Unauthorized. Signature' });
  const wrongToken = await bank.call(CREATE_VA, vaBody('1002', 'trx-sig-2'), { token: 'made-up-token' });
  t.same(wrongToken.body, { responseCode: '4012700', responseMessage: 'Unauthorized. Invalid token' });
  const debitRefused = await bank.call(DEBIT, { partnerReferenceNo: 'ref-sig', sourceAccountNo: '9000001', amount: { value: '1.00', currency: 'IDR' } }, { secret: 'nope' });
  t.same(debitRefused.body, { responseCode: '4015400', responseMessage: 'Unauthorized. Signature' }, 'the debit service code');

  // The body the signature covers is the minified JSON: another body under the same signature fails.
  const { key } = bank;
  const ts = jakartaTimestamp();
  const signed = vaBody('1003', 'trx-sig-3');
  const tampered = await app.inject({
    method: 'POST', url: CREATE_VA, payload: { ...signed, totalAmount: { value: '1.00', currency: 'IDR' } },
    headers: {
      authorization: `Bearer ${bank.token}`, 'x-timestamp': ts, 'x-partner-id': key.clientId, 'x-external-id': newExternalId(), 'channel-id': '95221',
      'x-signature': snapTransactionSignature(key.clientSecret, 'POST', CREATE_VA, bank.token, JSON.stringify(signed), ts),
    },
  });
  t.equal(tampered.statusCode, 401, 'a changed body');
  const pretty = await app.inject({
    method: 'POST', url: CREATE_VA, payload: JSON.stringify(signed, null, 2),
    headers: {
      'content-type': 'application/json', authorization: `Bearer ${bank.token}`, 'x-timestamp': ts, 'x-partner-id': key.clientId,
      'x-external-id': newExternalId(), 'channel-id': '95221',
      'x-signature': snapTransactionSignature(key.clientSecret, 'POST', CREATE_VA, bank.token, JSON.stringify(signed), ts),
    },
  });
  t.equal(pretty.statusCode, 200, 'whitespace in the body sent does not matter: the minified body is signed');

  const noChannel = await bank.call(CREATE_VA, vaBody('1004', 'trx-sig-4'), { headers: { 'channel-id': '' } });
  t.same(noChannel.body, { responseCode: '4002702', responseMessage: 'Invalid Mandatory Field CHANNEL-ID' });
  const badChannel = await bank.call(CREATE_VA, vaBody('1004', 'trx-sig-4'), { headers: { 'channel-id': '9522' } });
  t.same(badChannel.body, { responseCode: '4002701', responseMessage: 'Invalid Field Format CHANNEL-ID' });
  const partner = await bank.call(CREATE_VA, vaBody('1004', 'trx-sig-4'), { headers: { 'x-partner-id': 'other' } });
  t.equal(partner.status, 401, 'X-PARTNER-ID must be the client id');

  const shortLived = await bankClient(await startSim(t, { SIM_BANK_TOKEN_TTL_S: '1' }));
  // Issued for one second: 1.1 s after the answer that carried it, it has expired, however slow the machine.
  await sleep(1100);
  const expired = await shortLived.call(CREATE_VA, vaBody('1005', 'trx-sig-5'));
  t.same(expired.body, { responseCode: '4012700', responseMessage: 'Unauthorized. Invalid token' }, 'an expired token');
});

t.test('X-EXTERNAL-ID: the same id today answers the first answer again and does nothing twice', async (t) => {
  const app = await startSim(t);
  const bank = await bankClient(app);
  const externalId = newExternalId();
  const body = vaBody('2001', 'trx-ext-1');
  const first = await bank.call(CREATE_VA, body, { externalId });
  t.equal(first.status, 200);
  t.same(first.body, { responseCode: '2002700', responseMessage: 'Successful', virtualAccountData: body });
  t.same(body.virtualAccountNo, '   888992001');
  const again = await bank.call(CREATE_VA, vaBody('2001', 'trx-ext-other'), { externalId });
  t.same(again, first, 'the first answer, even for another body');
  const vas = (await app.inject({ url: '/_sim/bank/vas?virtualAccountNo=888992001' })).json<{ count: number; items: { trxId: string; status: string }[] }>();
  t.equal(vas.count, 1, 'one VA');
  t.equal(vas.items[0]?.trxId, 'trx-ext-1');
  t.equal(vas.items[0]?.status, 'OPEN');

  const otherPath = await bank.call(DEBIT, { partnerReferenceNo: 'ref-ext', sourceAccountNo: '9000001', amount: { value: '1.00', currency: 'IDR' } }, { externalId });
  t.same(otherPath.body, { responseCode: '4095400', responseMessage: 'Conflict' }, 'the same id on another service');

  const conflict = await bank.call(CREATE_VA, vaBody('2001', 'trx-ext-2'));
  t.equal(conflict.status, 409, 'another trxId for an open VA');
  t.same(conflict.body, { responseCode: '4092700', responseMessage: 'Conflict' });
  const sameBill = await bank.call(CREATE_VA, vaBody('2001', 'trx-ext-1'));
  t.equal(sameBill.status, 200, 'the same bill again under a new X-EXTERNAL-ID');
  t.equal((await app.inject({ url: '/_sim/bank/vas?trxId=trx-ext-1' })).json<{ count: number }>().count, 1);
  const trxElsewhere = await bank.call(CREATE_VA, vaBody('2002', 'trx-ext-1'));
  t.equal(trxElsewhere.status, 409, 'a trxId belongs to one VA');
});

t.test('create-va names the bad field with SNAP case codes', async (t) => {
  const app = await startSim(t);
  const bank = await bankClient(app);
  const { trxId: _trxId, ...noTrx } = vaBody('3001', 'x');
  t.same((await bank.call(CREATE_VA, noTrx)).body, { responseCode: '4002702', responseMessage: 'Invalid Mandatory Field trxId' });
  t.same((await bank.call(CREATE_VA, { ...vaBody('3001', 'trx-f-1'), virtualAccountNo: '888993001' })).body,
    { responseCode: '4002701', responseMessage: 'Invalid Field Format virtualAccountNo' }, 'the VA number keeps the padding');
  t.same((await bank.call(CREATE_VA, { ...vaBody('3001', 'trx-f-1'), partnerServiceId: '   12345', virtualAccountNo: '   123453001' })).body,
    { responseCode: '4002701', responseMessage: 'Invalid Field Format partnerServiceId' });
  t.same((await bank.call(CREATE_VA, vaBody('3001', 'trx-f-1', { value: '16800' }))).body,
    { responseCode: '4002701', responseMessage: 'Invalid Field Format totalAmount.value' });
  t.same((await bank.call(CREATE_VA, vaBody('3001', 'trx-f-1', { expiresInMs: -1000 }))).body,
    { responseCode: '4002701', responseMessage: 'Invalid Field Format expiredDate' }, 'already expired');
});

t.test('paying a VA: once, never after expiry, never an unknown one', async (t) => {
  const app = await startSim(t);
  const bank = await bankClient(app);
  const pay = (va: string, payload?: object) => app.inject({ method: 'POST', url: `/_sim/bank/va/${encodeURIComponent(va)}/pay`, ...(payload ? { payload } : {}) });

  t.equal((await pay('8889999999')).statusCode, 404, 'unknown');
  await bank.call(CREATE_VA, vaBody('4001', 'trx-pay-1'));
  const paid = await pay('   888994001');
  t.equal(paid.statusCode, 200, 'the VA number with its spaces');
  const answer = paid.json<{ paymentRequestId: string; trxId: string; paidAmount: { value: string } }>();
  t.equal(answer.trxId, 'trx-pay-1');
  t.type(answer.paymentRequestId, 'string');
  t.equal(answer.paidAmount.value, '16800.00', 'the bill by default');
  const twice = await pay('888994001');
  t.equal(twice.statusCode, 409, 'already paid');
  t.match(twice.headers['content-type'], /^application\/problem\+json/, 'control routes answer problem details');

  const next = await bank.call(CREATE_VA, vaBody('4001', 'trx-pay-2'));
  t.equal(next.status, 200, 'a paid VA number may carry the next bill');
  t.equal((await pay('888994001', { amount: 20000 })).json<{ paidAmount: { value: string } }>().paidAmount.value, '20000.00', 'another amount');

  // SNAP timestamps are whole seconds; a fraction is ISO 8601 too and keeps this test short. Two
  // seconds, so that the bank still takes the VA on a busy machine; then wait until it has passed.
  const expiresAt = Date.now() + 2_000;
  const shortLived = await bank.call(CREATE_VA, { ...vaBody('4002', 'trx-pay-3'), expiredDate: new Date(expiresAt).toISOString() });
  t.equal(shortLived.status, 200);
  await sleep(expiresAt - Date.now() + 100);
  t.equal((await pay('888994002')).statusCode, 410, 'expired');
  const vas = (await app.inject({ url: '/_sim/bank/vas?trxId=trx-pay-3' })).json<{ items: { status: string }[] }>();
  t.equal(vas.items[0]?.status, 'EXPIRED');
});

t.test('debits: one per reference, the farmer\'s balance, insufficient funds, agent accounts', async (t) => {
  const app = await startSim(t);
  const bank = await bankClient(app);
  const account = async (nik: string) => (await app.inject({ url: `/_sim/bank/accounts?nik=${nik}` })).json<{ items: AccountItem[] }>().items[0]!;
  const debit = (partnerReferenceNo: string, sourceAccountNo: string, value: string, externalId?: string) =>
    bank.call(DEBIT, { partnerReferenceNo, sourceAccountNo, amount: { value, currency: 'IDR' } }, externalId ? { externalId } : {});

  const rich = await account((await oneFarmer(app, 'case=eligible&funds=enough')).nik);
  t.equal(rich.kind, 'farmer');
  t.ok((rich.balance ?? 0) >= 12 * 16_800, `enough for 12 months (${rich.balance})`);
  const externalId = newExternalId();
  const first = await debit('ref-debit-1', rich.accountNo, '16800.00', externalId);
  t.equal(first.status, 200);
  t.match(first.body, { responseCode: '2005400', responseMessage: 'Successful', partnerReferenceNo: 'ref-debit-1' });
  t.match(first.body['referenceNo'], /^\d{16}$/);
  const again = await debit('ref-debit-1', rich.accountNo, '16800.00', externalId);
  t.same(again, first, 'the same X-EXTERNAL-ID: the same answer');
  const otherDay = await debit('ref-debit-1', rich.accountNo, '16800.00');
  t.same(otherDay.body, { responseCode: '4095401', responseMessage: 'Duplicate partnerReferenceNo' }, 'a new X-EXTERNAL-ID, the same reference');
  const made = (await app.inject({ url: '/_sim/bank/debits?partnerReferenceNo=ref-debit-1' })).json<{ count: number; items: { amount: number }[] }>();
  t.equal(made.count, 1, 'one debit made');
  t.equal((await account((await app.inject({ url: `/_sim/bank/accounts?accountNo=${rich.accountNo}` })).json<{ items: { nik: string }[] }>().items[0]!.nik)).balance,
    (rich.balance ?? 0) - 16_800, 'debited once');

  const poor = await account((await oneFarmer(app, 'case=eligible&funds=low')).nik);
  t.ok((poor.balance ?? Infinity) < 16_800, `low on funds (${poor.balance})`);
  const refused = await debit('ref-debit-2', poor.accountNo, '16800.00');
  t.equal(refused.status, 403);
  t.same(refused.body, { responseCode: '4035414', responseMessage: 'Insufficient Funds' });
  t.equal((await app.inject({ url: '/_sim/bank/debits?partnerReferenceNo=ref-debit-2' })).json<{ count: number }>().count, 0, 'nothing debited');

  const unknown = await debit('ref-debit-3', '1234', '16800.00');
  t.equal(unknown.status, 404);
  t.same(unknown.body, { responseCode: '4045411', responseMessage: 'Invalid Account' });

  const agent = await debit('ref-debit-4', '9001002003', '999999999.00');
  t.equal(agent.status, 200, 'an agent collection account has unlimited funds');
  t.match((await app.inject({ url: '/_sim/bank/accounts?accountNo=9001002003' })).json<{ items: AccountItem[] }>().items,
    [{ accountNo: '9001002003', kind: 'agent', nik: null, bank: null, holderName: /^[A-Z. ]+$/, balance: null }]);
  t.same((await debit('ref-debit-5', '9001002003', '1.50')).body, { responseCode: '4005401', responseMessage: 'Invalid Field Format amount.value' });
});
