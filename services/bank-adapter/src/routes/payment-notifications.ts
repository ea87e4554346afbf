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
 * `bank.await_payment` event, acknowledged once the gateway applied it (else 503: the bank sends it again).
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
      if (!n.success || amount === null) {
        log.warn({ webhookId, trxId: n.success ? n.data.trxId : undefined, valid: n.success, amountOk: amount !== null }, 'bank webhook with a bad body: refused');
        return { accepted: false, outcome: 'bad_body', status: 400, body: { responseCode: '4002501', responseMessage: 'Invalid Field Format' } };
      }
      // The trxId is the contribution's operation id (signed by the bank): what Redis remembers adds only
      // the correlation id. Lost with Redis, the payment still reaches the gateway, which ignores an
      // operation it does not know.
      const known = await opts.redis.get(`${opts.prefix}:bank:va:${n.data.trxId}`);
      const correlationId = known ? (JSON.parse(known) as { correlationId: string }).correlationId : `bank-notification-${webhookId}`;
      if (!known) log.warn({ webhookId, operationId: n.data.trxId }, 'bank payment for a virtual account this adapter no longer remembers (Redis lost?): handed over under its trxId');
      const applied = await worker.handOverEvent({
        operationId: n.data.trxId,
        correlationId,
        step: 'bank.await_payment',
        attempt: 1,
        outcome: 'succeeded',
        result: { bankReference: n.data.paymentRequestId, amount },
        durationMs: 0,
        at: new Date().toISOString(),
      });
      if (!applied) {
        log.warn({ webhookId, operationId: n.data.trxId, correlationId }, 'bank payment notification not yet applied by the gateway: the bank is asked to send it again');
        return { accepted: false, outcome: 'not_applied', status: 503, body: { responseCode: '5032500', responseMessage: 'Temporarily unavailable, send it again' } };
      }
      log.info({ webhookId, operationId: n.data.trxId, correlationId }, 'bank payment notification accepted');
      return { accepted: true, outcome: 'accepted', body: SNAP_OK };
    },
  });
}
