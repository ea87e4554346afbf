import t from 'tap';
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import { GATEWAY_EVENTS_QUEUE } from '@sutasoma/contracts';
import { PII_TEST_ENV, SIM_CREDENTIALS, bankKeyPair, createTestPrefix, deleteKeys, testRedisUrl } from '@sutasoma/testing';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const queues = createTestPrefix();
const secret = SIM_CREDENTIALS.BANK_WEBHOOK_SECRETS;
const app = await buildApp(loadConfig({
  ...SIM_CREDENTIALS, ...PII_TEST_ENV, BANK_PRIVATE_KEY: bankKeyPair().privateKey, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: queues.prefix,
  LOG_LEVEL: 'silent', PARTNER_BASE_URL: 'http://127.0.0.1:9/bank',
  // No gateway runs in this file: events are read from its queue, not waited for (see the last test).
  WEBHOOK_HANDOVER_MS: '0',
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

t.test('a payment in fractions of a rupiah is refused; one for a VA this adapter no longer remembers (Redis lost) still reaches the gateway', async (t) => {
  const before = (await published()).length;
  const fraction = await deliver(notification({ paidAmount: { value: '16800.50', currency: 'IDR' } }));
  t.equal(fraction.statusCode, 400);
  t.equal((await published()).length, before, 'nothing published for it');
  const forgotten = randomUUID();
  const res = await deliver(notification({ trxId: forgotten, paymentRequestId: 'pay-forgotten' }));
  t.equal(res.statusCode, 200);
  t.match((await published()).filter((e) => e.operationId === forgotten), [{ step: 'bank.await_payment', correlationId: /^bank-notification-/ }],
    'handed over under its trxId, which is the contribution\'s operation id');
});

t.test('the previous secret still verifies while a new one is rotated in', async (t) => {
  const rotated = await buildApp(loadConfig({
    ...SIM_CREDENTIALS, ...PII_TEST_ENV, BANK_WEBHOOK_SECRETS: `whsec_${Buffer.from('the-new-secret-of-32-bytes-long!!').toString('base64')} ${secret}`,
    BANK_PRIVATE_KEY: bankKeyPair().privateKey, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: queues.prefix, LOG_LEVEL: 'silent', PORT: '0',
    WEBHOOK_HANDOVER_MS: '0',
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

t.test('a payment is acknowledged only once the gateway applied it: until then the bank is asked to send it again', async (t) => {
  const prefix = `${queues.prefix}-handover`;
  const strict = await buildApp(loadConfig({
    ...SIM_CREDENTIALS, ...PII_TEST_ENV, BANK_PRIVATE_KEY: bankKeyPair().privateKey, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, LOG_LEVEL: 'silent',
    // Long enough for a gateway worker that has just started to take the job and apply it on a busy
    // machine; the first delivery below waits this long for nothing before its 503.
    WEBHOOK_HANDOVER_MS: '3000',
  }));
  await strict.ready();
  t.teardown(() => strict.close());
  const paid = randomUUID();
  const body = notification({ trxId: paid, paymentRequestId: 'pay-handover' });
  const id = `msg_${randomUUID().replace(/-/g, '')}`;
  const send = () => {
    const at = new Date();
    return strict.inject({
      method: 'POST', url: '/webhooks/bank/payments', payload: body,
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, body) },
    });
  };
  const unapplied = await send();
  t.equal(unapplied.statusCode, 503, 'no gateway applied it: not acknowledged');

  // The gateway's events worker starts (a real BullMQ worker on the gateway's queue) and applies what waits.
  const applied: string[] = [];
  const connection = queues.redis.duplicate({ maxRetriesPerRequest: null });
  const gateway = new Worker(GATEWAY_EVENTS_QUEUE, async (job) => { applied.push(job.data.operationId); }, { connection, prefix });
  t.teardown(async () => {
    await gateway.close();
    await deleteKeys(connection, `${prefix}:*`);
    await connection.quit();
  });
  await gateway.waitUntilReady();
  const again = await send();
  t.equal(again.statusCode, 200, 'the bank\'s retry is acknowledged once applied');
  t.same(applied, [paid], 'applied once, though delivered twice');
  t.equal((await send()).statusCode, 200, 'a later replay is acknowledged and ignored');
  t.same(applied, [paid]);
});
