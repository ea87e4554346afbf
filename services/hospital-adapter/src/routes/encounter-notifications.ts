import { Queue } from 'bullmq';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { GATEWAY_INTAKE_QUEUE, INTAKE_JOB_OPTIONS, IntakeEvent } from '@sutasoma/contracts';
import { HandOver } from '@sutasoma/adapter-kit';
import type { Pii } from '@sutasoma/pii';
import { Counter, type Redis, type ServiceApp } from '@sutasoma/service-kit';
import { readEncounterNotification } from '../fhir/encounter-notification.ts';
import { FHIR_JSON, operationOutcome } from '../fhir/terms.ts';

export interface NotificationOptions {
  /** Current and previous signing secrets, so a secret can be rotated without losing deliveries. */
  secrets: string[];
  redis: Redis;
  prefix: string;
  /** Seals the patient's NIK and the accident's description in the job handed to the gateway. */
  pii: Pii;
  replayWindowS: number;
  redisUrl: string;
  /** How long to wait for the gateway to apply a notification before asking the hospital to send it again; 0 does not wait. */
  handOverMs: number;
}

/**
 * The hospital's admission and discharge notifications. Verified before anything else (Standard
 * Webhooks, with its 5-minute timestamp tolerance), then read as FHIR; a valid one goes to the
 * gateway's intake queue once (the delivery id is the job id), and is acknowledged once the gateway
 * applied it; until then the hospital is asked to send it again (503).
 */
export async function encounterNotificationRoutes(app: ServiceApp, opts: NotificationOptions) {
  const verifiers = opts.secrets.map((s) => new Webhook(s));
  const intake = new Queue(GATEWAY_INTAKE_QUEUE, { connection: opts.redis, prefix: opts.prefix });
  intake.on('error', (err) => app.log.warn({ err: err.message }, 'intake queue connection error'));
  const handOver = new HandOver({ queue: GATEWAY_INTAKE_QUEUE, redisUrl: opts.redisUrl, prefix: opts.prefix, timeoutMs: opts.handOverMs });
  app.addHook('onClose', async () => {
    await intake.close();
    await handOver.close();
  });
  const received = new Counter({
    name: 'webhooks_received_total',
    help: 'Partner webhooks by outcome',
    labelNames: ['partner', 'outcome'],
    registers: [app.metrics],
  });

  await app.register(async (scope) => {
    // The signature covers the exact bytes sent: keep the raw body.
    scope.addContentTypeParser(['application/json', FHIR_JSON], { parseAs: 'string' }, (_req, body, done) => done(null, body));

    scope.post('/webhooks/hospital/fhir', { schema: { hide: true } }, async (request, reply) => {
      const answer = (status: number, body: unknown) => reply.code(status).type(FHIR_JSON).send(body);
      const raw = typeof request.body === 'string' ? request.body : '';
      const deliveryId = String(request.headers['webhook-id'] ?? '');
      const headers = {
        'webhook-id': deliveryId,
        'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
      };
      let verified = false;
      let failure = 'no signing secret matched';
      for (const v of verifiers) {
        try {
          v.verify(raw, headers);
          verified = true;
          break;
        } catch (err) {
          // A body that verifies but is not JSON makes verify() throw a SyntaxError: it is signed, just unreadable.
          if (err instanceof SyntaxError) {
            verified = true;
            break;
          }
          failure = err instanceof WebhookVerificationError ? err.message : 'unverifiable';
        }
      }
      if (!verified) {
        received.inc({ partner: 'hospital', outcome: 'bad_signature' });
        request.log.warn({ webhookId: deliveryId, reason: failure }, 'hospital webhook refused: signature or timestamp');
        return answer(401, operationOutcome('error', 'security', `The notification could not be verified: ${failure}.`));
      }

      let payload: unknown;
      try {
        payload = JSON.parse(raw);
      } catch {
        received.inc({ partner: 'hospital', outcome: 'invalid' });
        return answer(400, operationOutcome('error', 'structure', 'The body is not JSON.'));
      }
      const parsed = readEncounterNotification(payload);
      if (!parsed.ok) {
        received.inc({ partner: 'hospital', outcome: 'invalid' });
        request.log.warn({ webhookId: deliveryId, issues: parsed.issues.map((i) => i.expression) }, 'hospital notification refused: invalid FHIR content');
        return answer(422, operationOutcome('error', 'invalid', parsed.issues));
      }

      // Remembered only once queued: an adapter killed in between must not answer the hospital's
      // retry as a repeat. A copy queued twice is one job (its id is the delivery's), and the
      // gateway applies a delivery once.
      const key = `${opts.prefix}:webhook:hospital:${deliveryId}`;
      const { facts } = parsed;
      const log = { webhookId: deliveryId, type: facts.type, hospitalId: facts.hospitalId, encounterId: facts.encounterId };
      if (await opts.redis.exists(key)) {
        received.inc({ partner: 'hospital', outcome: 'replayed' });
        request.log.info(log, 'hospital notification already received: ignored');
        return answer(200, operationOutcome('information', 'informational', `Notification ${deliveryId} was already received; nothing changed.`));
      }
      const event = IntakeEvent.parse({ ...facts, deliveryId, correlationId: String(request.id), receivedAt: new Date().toISOString() });
      try {
        const job = await intake.add(event.type, opts.pii.protect(event), { ...INTAKE_JOB_OPTIONS, jobId: `hospital.${deliveryId}` });
        if (!(await handOver.confirm(job))) {
          request.log.warn(log, 'hospital notification not yet applied by the gateway: the hospital is asked to send it again');
          return answer(503, operationOutcome('error', 'transient', 'The notification is not applied yet; send it again.'));
        }
        await opts.redis.set(key, '1', 'EX', opts.replayWindowS);
      } catch (err) {
        request.log.error({ ...log, err: (err as Error).message }, 'hospital notification not queued');
        return answer(503, operationOutcome('error', 'transient', 'The notification could not be queued; send it again.'));
      }
      received.inc({ partner: 'hospital', outcome: 'accepted' });
      request.log.info({ ...log, correlationId: event.correlationId }, 'hospital notification accepted');
      return answer(202, operationOutcome('information', 'informational', `Notification ${deliveryId} accepted: ${facts.type === 'hospital.admission' ? 'admission' : 'discharge'} of Encounter/${facts.encounterId}.`));
    });
  });
}
