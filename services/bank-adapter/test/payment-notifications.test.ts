import t from 'tap';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import { GATEWAY_EVENTS_QUEUE } from '@sutasoma/contracts';
import { SIM_CREDENTIALS, bankKeyPair, createTestPrefix, testRedisUrl } from '@sutasoma/testing';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const queues = createTestPrefix();
const secret = SIM_CREDENTIALS.BANK_WEBHOOK_SECRETS;
const app = await buildApp(loadConfig({
  ...SIM_CREDENTIALS, BANK_PRIVATE_KEY: bankKeyPair().privateKey, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: queues.prefix,
  LOG_LEVEL: 'silent', PARTNER_BASE_URL: 'http://127.0.0.1:9/bank',
}));
await app.ready();
const events = new Queue(GATEWAY_EVENTS_QUEUE, { connection: queues.redis, prefix: queues.prefix });
t.teardown(async () => {
  await app.close();
  await events.close();
  await queues.cleanup();
});

// A virtual account this adapter created (what bank.create_va remembers for the notification).
const trxId = randomUUID();
await queues.redis.set(`${queues.prefix}:bank:va:${trxId}`, JSON.stringify({ correlationId: 'req-visit-1', amount: 16_800 }));

function notification(over: Record<string, unknown> = {}) {
  return JSON.stringify({
    partnerServiceId: '   88899', customerNo: '0167656665', virtualAccountNo: '   888990167656665', trxId,
    paymentRequestId: 'pay-1', paidAmount: { value: '16800.00', currency: 'IDR' }, trxDateTime: new Date().toISOString(), ...over,
  });
}
function deliver(body: string, opts: { id?: string; at?: Date; key?: string; headers?: Record<string, string> } = {}) {
  const id = opts.id ?? `msg_${randomUUID().replace(/-/g, '')}`;
  const at = opts.at ?? new Date();
  const signature = new Webhook(opts.key ?? secret).sign(id, at, body);
  return app.inject({
    method: 'POST', url: '/webhooks/bank/payments', payload: body,
    headers: opts.headers ?? { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature },
  });
}
const published = async () => (await events.getJobs(['waiting', 'delayed', 'completed', 'active'])).map((j) => j.data);

t.test('a signed notification for our virtual account becomes one payment event, and its replay changes nothing', async (t) => {
  const body = notification();
  const first = await deliver(body, { id: 'msg_first' });
  t.equal(first.statusCode, 200);
  t.equal(first.json().responseCode, '2002500');
  const again = await deliver(body, { id: 'msg_first' });
  t.equal(again.statusCode, 200, 'a replayed delivery is acknowledged');
  const evs = await published();
  t.equal(evs.length, 1, 'but published once');
  t.match(evs[0], { operationId: trxId, correlationId: 'req-visit-1', step: 'bank.await_payment', outcome: 'succeeded', result: { bankReference: 'pay-1', amount: 16_800 } });
});

t.test('refused with 401 and nothing published: a wrong secret, a stale timestamp, missing headers, a tampered body', async (t) => {
  const before = (await published()).length;
  const wrong = await deliver(notification(), { key: `whsec_${Buffer.from('another-secret-of-32-bytes-long!!').toString('base64')}` });
  t.equal(wrong.statusCode, 401);
  t.equal(wrong.json().code, 'webhook_signature_invalid');
  t.equal((await deliver(notification(), { at: new Date(Date.now() - 10 * 60_000) })).statusCode, 401, 'ten minutes old');
  t.equal((await deliver(notification(), { headers: { 'content-type': 'application/json' } })).statusCode, 401, 'no signature headers');
  const id = 'msg_tampered';
  const at = new Date();
  const signed = new Webhook(secret).sign(id, at, notification());
  const tampered = await app.inject({
    method: 'POST', url: '/webhooks/bank/payments', payload: notification({ paidAmount: { value: '168000.00', currency: 'IDR' } }),
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signed },
  });
  t.equal(tampered.statusCode, 401, 'a body changed after signing');
  t.equal((await published()).length, before);
});

t.test('a notification for an account we never created, or in fractions of a rupiah, is refused and logged', async (t) => {
  const before = (await published()).length;
  const unknown = await deliver(notification({ trxId: randomUUID() }));
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().responseCode, '4042512');
  const fraction = await deliver(notification({ paidAmount: { value: '16800.50', currency: 'IDR' } }));
  t.equal(fraction.statusCode, 404);
  t.equal((await published()).length, before);
});

t.test('the previous secret still verifies while a new one is rotated in', async (t) => {
  const rotated = await buildApp(loadConfig({
    ...SIM_CREDENTIALS, BANK_WEBHOOK_SECRETS: `whsec_${Buffer.from('the-new-secret-of-32-bytes-long!!').toString('base64')} ${secret}`,
    BANK_PRIVATE_KEY: bankKeyPair().privateKey, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: queues.prefix, LOG_LEVEL: 'silent', PORT: '0',
  }));
  t.teardown(() => rotated.close());
  const body = notification({ paymentRequestId: 'pay-2' });
  const id = `msg_${randomUUID().replace(/-/g, '')}`;
  const at = new Date();
  const res = await rotated.inject({
    method: 'POST', url: '/webhooks/bank/payments', payload: body,
    headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, body) },
  });
  t.equal(res.statusCode, 200);
});
