import { randomUUID } from 'node:crypto';
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import type { Logger } from '@sutasoma/service-kit';

/** What a partner's `PUT /_sim/<partner>/…webhook-faults` takes; every fault is off unless given. */
export const WebhookFaultsRequest = z
  .object({
    duplicate: z.boolean().optional().describe('send every notification twice, with the same webhook-id'),
    delayMs: z.number().int().min(0).max(600_000).optional().describe('send every notification this much later'),
    outOfOrder: z.boolean().optional().describe('hold each notification until the next one has been sent'),
    badSignature: z.boolean().optional().describe('sign with a wrong secret'),
  })
  .strict();
export type WebhookFaultsRequest = z.infer<typeof WebhookFaultsRequest>;

export interface WebhookFaults {
  duplicate: boolean;
  delayMs: number;
  outOfOrder: boolean;
  badSignature: boolean;
}

const NO_FAULTS: WebhookFaults = { duplicate: false, delayMs: 0, outOfOrder: false, badSignature: false };

/** Not a configured secret, so a receiver that verifies refuses what it signs. */
const WRONG_SECRET = `whsec_${Buffer.from('not-the-partner-webhook-secret-at-all').toString('base64')}`;

/** Where and how a partner sends its webhooks. */
export interface WebhookSenderConfig {
  url: string;
  /** Standard Webhooks secret, `whsec_` + base64. */
  secret: string;
  /** Attempts per delivery, the first included. */
  attempts: number;
  /** Wait before the first retry; doubled for each further one. */
  backoffMs: number;
  timeoutMs: number;
}

export type DeliveryStatus = 'held' | 'pending' | 'delivered' | 'failed';

/** One delivery of one notification: a duplicate fault makes two of them with the same webhookId. */
export interface Delivery {
  webhookId: string;
  /** What the notification is about (the bank's trxId, BPJS's claim reference). */
  subject: string;
  status: DeliveryStatus;
  /** HTTP attempts made so far. */
  attempts: number;
  /** The last attempt's HTTP status; null before any answer or after a connection error. */
  responseStatus: number | null;
  url: string;
  createdAt: string;
}

interface Outgoing {
  delivery: Delivery;
  body: string;
  secret: string;
}

/**
 * A partner's outgoing notifications, signed with Standard Webhooks. A delivery answered
 * with anything but 2xx, or not answered, is retried with the same webhook-id after
 * `backoffMs`, `2 × backoffMs`, … until `attempts` have been made; each attempt is signed anew
 * with its own webhook-timestamp.
 */
export class WebhookSender {
  readonly #config: WebhookSenderConfig;
  readonly #log: Logger;
  #url: string;
  #faults: WebhookFaults = { ...NO_FAULTS };
  #deliveries: Delivery[] = [];
  /** The notification an outOfOrder fault holds until the next one has been sent. */
  #held: Outgoing[] | null = null;
  #timers = new Set<NodeJS.Timeout>();
  #inFlight = new Set<AbortController>();
  #closed = false;

  constructor(config: WebhookSenderConfig, log: Logger) {
    this.#config = config;
    this.#log = log;
    this.#url = config.url;
  }

  get url(): string {
    return this.#url;
  }

  set url(url: string) {
    this.#url = url;
  }

  get faults(): WebhookFaults {
    return { ...this.#faults };
  }

  /** Replaces every webhook fault; a held notification is sent once outOfOrder is off. */
  setFaults(request: WebhookFaultsRequest): WebhookFaults {
    this.#faults = { ...NO_FAULTS, ...request };
    if (!this.#faults.outOfOrder) this.#releaseHeld();
    return this.faults;
  }

  list(): Delivery[] {
    return this.#deliveries.map((d) => ({ ...d }));
  }

  /** Queues one notification under a fresh webhook-id (returned), with the faults in force now. */
  notify(subject: string, payload: unknown): string {
    const webhookId = `msg_${randomUUID().replaceAll('-', '')}`;
    const faults = this.#faults;
    const body = JSON.stringify(payload);
    const secret = faults.badSignature ? WRONG_SECRET : this.#config.secret;
    const copies = faults.duplicate ? 2 : 1;
    const outgoing = Array.from({ length: copies }, (): Outgoing => {
      const delivery: Delivery = {
        webhookId, subject, status: 'pending', attempts: 0, responseStatus: null, url: this.#url, createdAt: new Date().toISOString(),
      };
      this.#deliveries.push(delivery);
      return { delivery, body, secret };
    });

    if (faults.outOfOrder && this.#held === null) {
      for (const o of outgoing) o.delivery.status = 'held';
      this.#held = outgoing;
      return webhookId;
    }
    const earlier = this.#held;
    this.#held = null;
    this.#later(faults.delayMs, async () => {
      await this.#sendAll(outgoing);
      if (earlier) await this.#sendAll(earlier);
    });
    return webhookId;
  }

  /** Stops every retry and cuts every delivery in flight; nothing is sent after this. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const controller of this.#inFlight) controller.abort();
    this.#inFlight.clear();
  }

  #releaseHeld(): void {
    const held = this.#held;
    this.#held = null;
    if (held) this.#later(0, () => this.#sendAll(held));
  }

  /** One after the other, so a receiver sees them in this order; each one's retries run on their own. */
  async #sendAll(outgoing: Outgoing[]): Promise<void> {
    for (const o of outgoing) {
      o.delivery.status = 'pending';
      await this.#attempt(o);
    }
  }

  async #attempt(o: Outgoing): Promise<void> {
    if (this.#closed) return;
    const { delivery } = o;
    delivery.attempts += 1;
    const now = new Date();
    const headers = {
      'content-type': 'application/json',
      'webhook-id': delivery.webhookId,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(o.secret).sign(delivery.webhookId, now, o.body),
    };
    const controller = new AbortController();
    this.#inFlight.add(controller);
    try {
      delivery.responseStatus = await postJson(delivery.url, headers, o.body, this.#config.timeoutMs, controller.signal);
    } catch (err) {
      delivery.responseStatus = null;
      this.#log.debug({ err, webhookId: delivery.webhookId, url: delivery.url }, 'webhook delivery failed');
    } finally {
      this.#inFlight.delete(controller);
    }
    const status = delivery.responseStatus;
    if (status !== null && status >= 200 && status < 300) {
      delivery.status = 'delivered';
      return;
    }
    if (delivery.attempts >= this.#config.attempts) {
      delivery.status = 'failed';
      this.#log.warn({ webhookId: delivery.webhookId, subject: delivery.subject, attempts: delivery.attempts, status }, 'webhook delivery given up');
      return;
    }
    this.#later(this.#config.backoffMs * 2 ** (delivery.attempts - 1), () => this.#attempt(o));
  }

  #later(ms: number, run: () => Promise<void>): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run().catch((err: unknown) => this.#log.error({ err }, 'webhook sender failed'));
    }, ms);
    this.#timers.add(timer);
  }
}

/** One POST without keep-alive; resolves with the status as soon as the answer starts. */
function postJson(url: string, headers: OutgoingHttpHeaders, body: string, timeoutMs: number, signal: AbortSignal): Promise<number> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, {
      method: 'POST',
      headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      agent: false,
      signal,
      timeout: timeoutMs,
    }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
