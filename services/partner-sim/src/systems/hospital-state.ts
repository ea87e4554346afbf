import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from '@sutasoma/service-kit';
import type { SimConfig } from '../config.ts';
import { WebhookSender } from '../webhook-sender.ts';
import { stayBundle, type Stay } from './hospital-fhir.ts';

export type StayEvent = 'admission' | 'discharge';

export interface Scenario {
  scenarioId: string;
  stay: Stay;
  skipAdmission: boolean;
  withBill: boolean;
  /** webhook-ids of the notifications sent so far, by event. */
  sent: Partial<Record<StayEvent, string>>;
  createdAt: string;
}

/** A CoverageEligibilityResponse the hospital received, as stored (with its server-assigned id). */
export interface StoredResource {
  id: string;
  identifier: string;
  encounterId: string | null;
  resource: Record<string, unknown>;
  receivedAt: string;
}

/**
 * The hospital's side of accident stays: access tokens it issued, the stays the control plane
 * started (each sending an admission and later a discharge notification), and the guarantee
 * notices (CoverageEligibilityResponse) it received. Notifications go out through the simulator's signed
 * webhook sender (retries, faults), with the hospital's own URL and secret.
 */
export class HospitalState {
  readonly webhooks: WebhookSender;
  readonly #config: SimConfig['hospital'];
  #tokens = new Map<string, number>();
  #scenarios = new Map<string, Scenario>();
  #encounters = new Map<string, Scenario>();
  #resources = new Map<string, StoredResource>();
  #byIdentifier = new Map<string, StoredResource>();
  #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(config: SimConfig['hospital'], log: Logger) {
    this.#config = config;
    this.webhooks = new WebhookSender(config.webhook, log);
  }

  get config(): SimConfig['hospital'] {
    return this.#config;
  }

  issueToken(now = Date.now()): { token: string; expiresIn: number } {
    const token = randomBytes(24).toString('base64url');
    this.#tokens.set(token, now + this.#config.tokenTtlS * 1000);
    return { token, expiresIn: this.#config.tokenTtlS };
  }

  tokenValid(token: string, now = Date.now()): boolean {
    const until = this.#tokens.get(token);
    return until !== undefined && until > now;
  }

  /** Forgets every token issued, as a hospital that rotated its keys would: the next call gets 401. */
  revokeTokens(): number {
    const n = this.#tokens.size;
    this.#tokens.clear();
    return n;
  }

  encounter(encounterId: string): Scenario | undefined {
    return this.#encounters.get(encounterId);
  }

  scenarios(): Scenario[] {
    return [...this.#scenarios.values()];
  }

  /** Starts a stay: the admission after `admissionAfterMs`, the discharge `dischargeAfterMs` after that. */
  start(stay: Stay, opts: { admissionAfterMs: number; dischargeAfterMs: number; skipAdmission: boolean; withBill: boolean }): Scenario {
    const scenario: Scenario = {
      scenarioId: randomUUID(), stay, skipAdmission: opts.skipAdmission, withBill: opts.withBill, sent: {}, createdAt: new Date().toISOString(),
    };
    this.#scenarios.set(scenario.scenarioId, scenario);
    this.#encounters.set(stay.encounterId, scenario);
    const send = (event: StayEvent) => {
      scenario.sent[event] = this.webhooks.notify(`${stay.encounterId}/${event}`, stayBundle(stay, event, { withBill: opts.withBill }));
    };
    if (opts.skipAdmission) {
      this.#later(opts.admissionAfterMs + opts.dischargeAfterMs, () => send('discharge'));
    } else {
      this.#later(opts.admissionAfterMs, () => {
        send('admission');
        this.#later(opts.dischargeAfterMs, () => send('discharge'));
      });
    }
    return scenario;
  }

  resourceByIdentifier(identifier: string): StoredResource | undefined {
    return this.#byIdentifier.get(identifier);
  }

  resource(id: string): StoredResource | undefined {
    return this.#resources.get(id);
  }

  store(identifier: string, encounterId: string | null, resource: Record<string, unknown>): StoredResource {
    const id = randomUUID();
    const now = new Date().toISOString();
    const stored: StoredResource = {
      id, identifier, encounterId, resource: { ...resource, id, meta: { versionId: '1', lastUpdated: now } }, receivedAt: now,
    };
    this.#resources.set(id, stored);
    this.#byIdentifier.set(identifier, stored);
    return stored;
  }

  resources(): StoredResource[] {
    return [...this.#resources.values()];
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.webhooks.close();
  }

  #later(ms: number, run: () => void): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    this.#timers.add(timer);
  }
}
