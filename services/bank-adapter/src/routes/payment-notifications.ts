import { z } from 'zod';
import { signedWebhookRoute, type StepWorker } from '@sutasoma/adapter-kit';
import type { Redis, ServiceApp } from '@sutasoma/service-kit';
import { rupiahOf } from '../clients/snap.ts';

export interface NotificationOptions {
  /** Current and previous signing secrets, so a secret can be rotated without losing deliveries. */
  secrets: string[];
  redis: Redis;
  prefix: string;
  replayWindowS: number;
}

const Notification = z.object({
  virtualAccountNo: z.string(),
  trxId: z.uuid(),
  paymentRequestId: z.string().min(1),
  paidAmount: z.object({ value: z.string(), currency: z.string() }),
  trxDateTime: z.string().optional(),
});

const SNAP_OK = { responseCode: '2002500', responseMessage: 'Successful' };

/**
 * The bank's VA payment notifications, verified first (signedWebhookRoute); each becomes a
 * `bank.await_payment` event. One for a VA we did not create is refused, so the bank retries it.
 */
export async function paymentNotificationRoutes(app: ServiceApp, worker: StepWorker, opts: NotificationOptions) {
  await signedWebhookRoute(app, {
    partner: 'bank',
    path: '/webhooks/bank/payments',
    ...opts,
    replayBody: SNAP_OK,
    async handle(payload, { webhookId, log }) {
      const n = Notification.safeParse(payload);
      const amount = n.success ? rupiahOf(n.data.paidAmount) : null;
      const known = n.success ? await opts.redis.get(`${opts.prefix}:bank:va:${n.data.trxId}`) : null;
      if (!n.success || amount === null || !known) {
        // Let the bank deliver it again later: we may simply not know the VA yet, or it is garbage.
        log.warn({ webhookId, trxId: n.success ? n.data.trxId : undefined, valid: n.success, amountOk: amount !== null }, 'bank webhook for an unknown virtual account or with a bad body: refused');
        return { accepted: false, outcome: 'unknown', status: 404, body: { responseCode: '4042512', responseMessage: 'Invalid Bill/Virtual Account' } };
      }
      const { correlationId } = JSON.parse(known) as { correlationId: string };
      await worker.publishEvent({
        operationId: n.data.trxId,
        correlationId,
        step: 'bank.await_payment',
        attempt: 1,
        outcome: 'succeeded',
        result: { bankReference: n.data.paymentRequestId, amount },
        durationMs: 0,
        at: new Date().toISOString(),
      });
      log.info({ webhookId, operationId: n.data.trxId, correlationId }, 'bank payment notification accepted');
      return { accepted: true, outcome: 'accepted', body: SNAP_OK };
    },
  });
}
