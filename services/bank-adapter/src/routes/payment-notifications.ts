import { z } from 'zod';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { StepWorker } from '@sutasoma/adapter-kit';
import { AppError, Counter, type Redis, type ServiceApp } from '@sutasoma/service-kit';
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
 * The bank's VA payment notifications. Verified before anything else (Standard Webhooks: HMAC over
 * id, timestamp and the raw body, with a timestamp tolerance); a delivery id already seen is
 * acknowledged and ignored, so a replayed or duplicated notification changes nothing.
 */
export async function paymentNotificationRoutes(app: ServiceApp, worker: StepWorker, opts: NotificationOptions) {
  const verifiers = opts.secrets.map((s) => new Webhook(s));
  const received = new Counter({
    name: 'webhooks_received_total',
    help: 'Partner webhooks by outcome',
    labelNames: ['partner', 'outcome'],
    registers: [app.metrics],
  });

  await app.register(async (scope) => {
    // The signature covers the exact bytes sent: keep the raw body.
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    scope.post('/webhooks/bank/payments', { schema: { hide: true } }, async (request, reply) => {
      const raw = request.body as string;
      const headers = {
        'webhook-id': String(request.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
      };
      let payload: unknown;
      const failures: string[] = [];
      for (const v of verifiers) {
        try {
          payload = v.verify(raw, headers);
          break;
        } catch (err) {
          failures.push(err instanceof WebhookVerificationError ? err.message : 'unverifiable');
        }
      }
      if (payload === undefined) {
        received.inc({ partner: 'bank', outcome: 'bad_signature' });
        request.log.warn({ webhookId: headers['webhook-id'], reason: failures[0] }, 'bank webhook refused: signature or timestamp');
        throw new AppError(401, 'webhook_signature_invalid', 'Unauthorized', { detail: `The webhook could not be verified: ${failures[0]}.` });
      }
      const first = await opts.redis.set(`${opts.prefix}:webhook:bank:${headers['webhook-id']}`, '1', 'EX', opts.replayWindowS, 'NX');
      if (first === null) {
        received.inc({ partner: 'bank', outcome: 'replayed' });
        request.log.info({ webhookId: headers['webhook-id'] }, 'bank webhook already received: ignored');
        return SNAP_OK;
      }
      const n = Notification.safeParse(payload);
      const amount = n.success ? rupiahOf(n.data.paidAmount) : null;
      const known = n.success ? await opts.redis.get(`${opts.prefix}:bank:va:${n.data.trxId}`) : null;
      if (!n.success || amount === null || !known) {
        // Let the bank deliver it again later: we may simply not know the VA yet, or it is garbage.
        await opts.redis.del(`${opts.prefix}:webhook:bank:${headers['webhook-id']}`);
        received.inc({ partner: 'bank', outcome: 'unknown' });
        request.log.warn({ webhookId: headers['webhook-id'], trxId: n.success ? n.data.trxId : undefined, valid: n.success, amountOk: amount !== null }, 'bank webhook for an unknown virtual account or with a bad body: refused');
        return reply.code(404).send({ responseCode: '4042512', responseMessage: 'Invalid Bill/Virtual Account' });
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
      received.inc({ partner: 'bank', outcome: 'accepted' });
      request.log.info({ webhookId: headers['webhook-id'], operationId: n.data.trxId, correlationId }, 'bank payment notification accepted');
      return SNAP_OK;
    });
  });
}
