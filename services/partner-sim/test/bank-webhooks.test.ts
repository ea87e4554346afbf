import t from 'tap';
import { Webhook } from 'standardwebhooks';
import type { ServiceApp } from '@sutasoma/service-kit';
import { DEFAULT_BANK_WEBHOOK_SECRET } from '../src/config.ts';
import { waitFor } from '@sutasoma/testing';
import { CREATE_VA, bankClient, startReceiver, startSim, vaBody, type Received } from './helpers.ts';

const SECRET = 'whsec_c2ltLWJhbmstd2ViaG9vay1zZWNyZXQtMzItYnl0ZXMhIQ==';

interface DeliveryItem {
  webhookId: string;
  trxId: string;
  status: string;
  attempts: number;
}

interface Notification {
  partnerServiceId: string;
  customerNo: string;
  virtualAccountNo: string;
  trxId: string;
  paymentRequestId: string;
  paidAmount: { value: string; currency: string };
  trxDateTime: string;
}

const verify = (r: Received, secret = SECRET) => new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as Notification;
const trxOf = (r: Received) => JSON.parse(r.body).trxId as string;

/** A simulator whose webhooks go to a fresh receiver; `open(n)` creates VA n and `pay(n)` pays it. */
async function setup(t: { teardown(fn: () => unknown): void; equal(a: unknown, b: unknown): void }, answer?: (r: Received, i: number) => number, env: Record<string, string> = {}) {
  const receiver = await startReceiver(t, answer);
  const app = await startSim(t, { SIM_BANK_WEBHOOK_BACKOFF_MS: '30', ...env });
  const put = await app.inject({ method: 'PUT', url: '/_sim/bank/webhook', payload: { url: receiver.url } });
  t.equal(put.statusCode, 200);
  const bank = await bankClient(app);
  const open = async (n: number) => {
    const res = await bank.call(CREATE_VA, vaBody(`5${n}`, `trx-wh-${n}`));
    if (res.status !== 200) throw new Error(`create-va ${n}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  const pay = async (n: number) => {
    const res = await app.inject({ method: 'POST', url: `/_sim/bank/va/88899${5}${n}/pay` });
    if (res.statusCode !== 200) throw new Error(`pay ${n}: ${res.statusCode} ${res.body}`);
    return res.json<{ paymentRequestId: string; trxId: string; webhookId: string }>();
  };
  return { app, receiver, open, pay };
}

const deliveries = async (app: ServiceApp) => (await app.inject({ url: '/_sim/bank/webhooks' })).json<{ items: DeliveryItem[] }>().items;
/**
 * The simulator's deliveries once none is pending: a delivery that has ended (delivered or failed)
 * is never sent again, so what the receiver holds then is all it will ever get.
 */
const settled = (app: ServiceApp, count: number) => waitFor(() => deliveries(app),
  (items) => items.length === count && items.every((d) => d.status === 'delivered' || d.status === 'failed'), { what: `${count} deliveries to end` });

t.test('the default secret is the documented one and a valid Standard Webhooks secret', async (t) => {
  t.equal(DEFAULT_BANK_WEBHOOK_SECRET, SECRET);
  t.doesNotThrow(() => new Webhook(SECRET));
});

t.test('paying a VA sends one signed SNAP payment notification', async (t) => {
  const { app, receiver, open, pay } = await setup(t);
  await open(1);
  const paid = await pay(1);
  await settled(app, 1);
  t.equal(receiver.received.length, 1, 'exactly one delivery');
  const [delivery] = receiver.received;
  const notification = verify(delivery!);
  t.same(notification, {
    partnerServiceId: '   88899',
    customerNo: '51',
    virtualAccountNo: '   8889951',
    trxId: 'trx-wh-1',
    paymentRequestId: paid.paymentRequestId,
    paidAmount: { value: '16800.00', currency: 'IDR' },
    trxDateTime: notification.trxDateTime,
  });
  t.match(notification.trxDateTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$/);
  t.equal(delivery!.headers['webhook-id'], paid.webhookId);
  t.match(delivery!.headers['webhook-signature'], /^v1,/);
  t.equal(delivery!.headers['content-type'], 'application/json');
  t.match(await deliveries(app), [{ webhookId: paid.webhookId, trxId: 'trx-wh-1', status: 'delivered', attempts: 1, responseStatus: 204, url: receiver.url }]);
});

t.test('a non-2xx answer is retried with the same webhook-id, newly signed', async (t) => {
  const { app, receiver, open, pay } = await setup(t, (_r, i) => (i < 2 ? 500 : 200));
  await open(2);
  const paid = await pay(2);
  await receiver.waitFor(3);
  t.same(receiver.received.map((r) => r.headers['webhook-id']), [paid.webhookId, paid.webhookId, paid.webhookId], 'same id each time');
  for (const r of receiver.received) t.equal(verify(r).trxId, 'trx-wh-2', 'each attempt verifies');
  // The receiver logs the third attempt before the simulator has read its answer.
  t.match(await settled(app, 1), [{ webhookId: paid.webhookId, status: 'delivered', attempts: 3 }]);
});

t.test('a receiver that is down is retried, then given up', async (t) => {
  const app = await startSim(t, { SIM_BANK_WEBHOOK_BACKOFF_MS: '20', SIM_BANK_WEBHOOK_ATTEMPTS: '3' });
  // Nothing listens on port 1: every attempt is a refused connection.
  await app.inject({ method: 'PUT', url: '/_sim/bank/webhook', payload: { url: 'http://127.0.0.1:1/webhooks/bank/payments' } });
  const bank = await bankClient(app);
  await bank.call(CREATE_VA, vaBody('59', 'trx-wh-9'));
  await app.inject({ method: 'POST', url: '/_sim/bank/va/8889959/pay' });
  t.match(await settled(app, 1), [{ trxId: 'trx-wh-9', status: 'failed', attempts: 3, responseStatus: null }], 'connection errors count as failures');
});

t.test('duplicate: every notification twice, same webhook-id', async (t) => {
  const { app, receiver, open, pay } = await setup(t);
  const put = await app.inject({ method: 'PUT', url: '/_sim/bank/webhook-faults', payload: { duplicate: true } });
  t.same(put.json(), { duplicate: true, delayMs: 0, outOfOrder: false, badSignature: false });
  await open(3);
  const paid = await pay(3);
  await receiver.waitFor(2);
  t.same(receiver.received.map((r) => r.headers['webhook-id']), [paid.webhookId, paid.webhookId]);
  t.same(receiver.received.map((r) => verify(r).paymentRequestId), [paid.paymentRequestId, paid.paymentRequestId], 'both verify, same body');
  const items = await deliveries(app);
  t.equal(items.length, 2);
  t.ok(items.every((d) => d.webhookId === paid.webhookId), 'two deliveries listed under one id');

  t.equal((await app.inject({ method: 'DELETE', url: '/_sim/bank/webhook-faults' })).statusCode, 204);
  await open(4);
  await pay(4);
  await settled(app, 3);
  t.equal(receiver.received.length, 3, 'once again after the fault is cleared');
});

t.test('badSignature: signed with a wrong secret, so verification fails', async (t) => {
  const { app, receiver, open, pay } = await setup(t);
  await app.inject({ method: 'PUT', url: '/_sim/bank/webhook-faults', payload: { badSignature: true } });
  await open(5);
  await pay(5);
  await receiver.waitFor(1);
  t.throws(() => verify(receiver.received[0]!), { name: 'WebhookVerificationError' });
});

t.test('outOfOrder: each notification is held until the next one has been sent', async (t) => {
  const { app, receiver, open, pay } = await setup(t);
  await app.inject({ method: 'PUT', url: '/_sim/bank/webhook-faults', payload: { outOfOrder: true } });
  for (const n of [6, 7, 8]) await open(n);
  await pay(6);
  // Held is decided when the payment is made: a held delivery is not sent until another one is.
  t.match(await deliveries(app), [{ trxId: 'trx-wh-6', status: 'held', attempts: 0 }]);
  t.equal(receiver.received.length, 0, 'the first is held');
  await pay(7);
  await receiver.waitFor(2);
  t.same(receiver.received.map(trxOf), ['trx-wh-7', 'trx-wh-6'], 'the second arrives first');
  await pay(8);
  t.match((await deliveries(app)).filter((d) => d.trxId === 'trx-wh-8'), [{ status: 'held', attempts: 0 }]);
  t.equal(receiver.received.length, 2, 'the third is held in turn');
  t.equal((await app.inject({ method: 'DELETE', url: '/_sim/bank/webhook-faults' })).statusCode, 204);
  await receiver.waitFor(3);
  t.same(receiver.received.map(trxOf), ['trx-wh-7', 'trx-wh-6', 'trx-wh-8'], 'clearing the fault sends what was held');
});

t.test('delayMs: the notification comes late', async (t) => {
  const { app, receiver, open, pay } = await setup(t);
  await app.inject({ method: 'PUT', url: '/_sim/bank/webhook-faults', payload: { delayMs: 300 } });
  await open(10);
  const started = performance.now();
  await pay(10);
  await receiver.waitFor(1);
  t.ok(performance.now() - started >= 290, 'after the delay');
  t.equal(verify(receiver.received[0]!).trxId, 'trx-wh-10');
  t.equal((await app.inject({ method: 'PUT', url: '/_sim/bank/webhook-faults', payload: { delayMs: -1 } })).statusCode, 400);
  t.equal((await app.inject({ method: 'PUT', url: '/_sim/bank/webhook', payload: { url: 'ftp://x' } })).statusCode, 400);
});

t.test('a pending retry does not block shutdown', async (t) => {
  const receiver = await startReceiver(t, () => 503);
  // A retry ten minutes away: if closing waited for it, or left its timer running, this file would
  // not end before tap's timeout. No clock is read: a busy machine closes slowly, not wrongly.
  const app = await startSim({ teardown: () => undefined }, { SIM_BANK_WEBHOOK_BACKOFF_MS: '600000' });
  await app.inject({ method: 'PUT', url: '/_sim/bank/webhook', payload: { url: receiver.url } });
  const bank = await bankClient(app);
  await bank.call(CREATE_VA, vaBody('511', 'trx-wh-11'));
  await app.inject({ method: 'POST', url: '/_sim/bank/va/88899511/pay' });
  await receiver.waitFor(1);
  t.match(await deliveries(app), [{ trxId: 'trx-wh-11', status: 'pending', attempts: 1 }], 'a retry is pending');
  await app.close();
  t.pass('closed with a retry pending');
});
