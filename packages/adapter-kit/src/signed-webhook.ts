import type { FastifyBaseLogger } from 'fastify';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { AppError, Counter, type Redis, type ServiceApp } from '@sutasoma/service-kit';

/** What a webhook's handler made of a verified delivery seen for the first time. */
export interface WebhookAnswer {
  /** false: the delivery id is not remembered, so the partner's next attempt is handled anew (unknown subject, bad body). */
  accepted: boolean;
  /** Metric label: accepted, unknown, bad_body… */
  outcome: string;
  status?: number;
  body: unknown;
}

export interface SignedWebhookOptions {
  /** Partner name, in metrics, logs and the replay key. */
  partner: string;
  path: string;
  /** Current and previous signing secrets, so a secret can be rotated without losing deliveries. */
  secrets: string[];
  redis: Redis;
  prefix: string;
  /** How long a delivery id is remembered to ignore its replays. */
  replayWindowS: number;
  /** What a replayed or duplicated delivery is answered with (it changes nothing). */
  replayBody: unknown;
  handle: (payload: unknown, ctx: { webhookId: string; log: FastifyBaseLogger }) => Promise<WebhookAnswer>;
}

function receivedCounter(app: ServiceApp): Counter<string> {
  const existing = app.metrics.getSingleMetric('webhooks_received_total');
  return (existing as Counter<string> | undefined) ?? new Counter({
    name: 'webhooks_received_total',
    help: 'Partner webhooks by outcome',
    labelNames: ['partner', 'outcome'],
    registers: [app.metrics],
  });
}

/**
 * A partner's webhook, verified before anything else (Standard Webhooks: HMAC over id, timestamp
 * and the raw body, 5-minute timestamp tolerance; 401 problem+json otherwise). A delivery id
 * already seen is acknowledged and ignored, so a replayed or duplicated delivery changes nothing.
 */
export async function signedWebhookRoute(app: ServiceApp, opts: SignedWebhookOptions): Promise<void> {
  const verifiers = opts.secrets.map((s) => new Webhook(s));
  const received = receivedCounter(app);
  const { partner } = opts;

  await app.register(async (scope) => {
    // The signature covers the exact bytes sent: keep the raw body.
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    scope.post(opts.path, { schema: { hide: true } }, async (request, reply) => {
      const raw = typeof request.body === 'string' ? request.body : '';
      const headers = {
        'webhook-id': String(request.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
      };
      const webhookId = headers['webhook-id'];
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
        received.inc({ partner, outcome: 'bad_signature' });
        request.log.warn({ webhookId, reason: failures[0] }, `${partner} webhook refused: signature or timestamp`);
        throw new AppError(401, 'webhook_signature_invalid', 'Unauthorized', { detail: `The webhook could not be verified: ${failures[0]}.` });
      }
      // Remembered only once handed over: an adapter killed in between must not answer the
      // partner's retry as a repeat. Two copies arriving at once are both handed over, which the
      // handlers allow (deterministic job ids; the gateway ignores an event for a step already ended).
      const key = `${opts.prefix}:webhook:${partner}:${webhookId}`;
      if (await opts.redis.exists(key)) {
        received.inc({ partner, outcome: 'replayed' });
        request.log.info({ webhookId }, `${partner} webhook already received: ignored`);
        return opts.replayBody;
      }
      const answer = await opts.handle(payload, { webhookId, log: request.log });
      if (answer.accepted) await opts.redis.set(key, '1', 'EX', opts.replayWindowS);
      received.inc({ partner, outcome: answer.outcome });
      return reply.code(answer.status ?? 200).send(answer.body);
    });
  });
}
