import CircuitBreaker from 'opossum';
import { Pool, errors as undiciErrors } from 'undici';
import { PartnerErrorCode } from '@sutasoma/contracts';
import type { Registry } from 'prom-client';
import { Counter, Gauge, Histogram } from 'prom-client';
import { PartnerError } from './errors.ts';

export interface BreakerOptions {
  /** Failure share of the rolling window that opens the breaker; default 50. */
  errorThresholdPercentage: number;
  /** Calls in the window before the share is judged; default 10. */
  volumeThreshold: number;
  /** How long the breaker stays open before a probe; default 10 s. */
  resetTimeoutMs: number;
  /** Length of the rolling window; default 10 s. */
  rollingCountTimeoutMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = {
  errorThresholdPercentage: 50,
  volumeThreshold: 10,
  resetTimeoutMs: 10_000,
  rollingCountTimeoutMs: 10_000,
};

export interface PartnerClientOptions {
  system: string;
  /** Origin plus an optional path prefix, e.g. http://127.0.0.1:9090/bpjs. */
  baseUrl: string;
  /** Whole-call deadline in ms; default 5 s. */
  timeoutMs?: number;
  /** Sockets kept to the partner; default 32. */
  connections?: number;
  breaker?: Partial<BreakerOptions>;
  metrics?: Registry;
}

export interface PartnerRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
  /** Sent as application/x-www-form-urlencoded instead of a JSON body (an OAuth2 token request). */
  form?: Record<string, string>;
}

export interface PartnerResponse {
  status: number;
  body: unknown;
  durationMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

/** Answers the breaker counts as the partner's fault: 5xx, 429 and auth failures, not business 4xx. */
function countsAsFailure(err: unknown): boolean {
  return !(err instanceof PartnerError && err.code === PartnerErrorCode.rejected);
}

/**
 * One partner's HTTP client: an undici pool and an opossum breaker around every call.
 * Business answers (4xx other than 401/403/429) resolve; anything else rejects with a PartnerError.
 */
export class PartnerClient {
  readonly system: string;
  readonly breaker: CircuitBreaker<[PartnerRequest], PartnerResponse>;
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly timeoutMs: number;
  private readonly breakerOptions: BreakerOptions;
  private lastChange = new Date();
  private readonly callDuration: Histogram<string> | undefined;

  constructor(opts: PartnerClientOptions) {
    this.system = opts.system;
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    this.breakerOptions = { ...DEFAULT_BREAKER, ...opts.breaker };
    const url = new URL(opts.baseUrl);
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, { connections: opts.connections ?? 32, keepAliveTimeout: 30_000 });
    this.breaker = new CircuitBreaker((req: PartnerRequest) => this.call(req), {
      name: opts.system,
      timeout: false,
      errorThresholdPercentage: this.breakerOptions.errorThresholdPercentage,
      volumeThreshold: this.breakerOptions.volumeThreshold,
      resetTimeout: this.breakerOptions.resetTimeoutMs,
      rollingCountTimeout: this.breakerOptions.rollingCountTimeoutMs,
      errorFilter: (err: unknown) => !countsAsFailure(err),
    });
    const changed = () => { this.lastChange = new Date(); };
    this.breaker.on('open', changed).on('halfOpen', changed).on('close', changed);

    if (opts.metrics) {
      this.callDuration = getOrCreate(opts.metrics, 'partner_call_duration_seconds', () => new Histogram({
        name: 'partner_call_duration_seconds',
        help: 'Partner calls by system and outcome (HTTP status or error code)',
        labelNames: ['system', 'outcome'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [opts.metrics!],
      }));
      const breaker = this.breaker;
      const system = this.system;
      getOrCreate(opts.metrics, 'partner_breaker_open', () => new Gauge({
        name: 'partner_breaker_open',
        help: '1 while the partner breaker is open, 0.5 half-open, 0 closed',
        labelNames: ['system'],
        registers: [opts.metrics!],
        collect() { this.set({ system }, breaker.opened ? 1 : breaker.halfOpen ? 0.5 : 0); },
      }));
      const rejected = getOrCreate(opts.metrics, 'partner_breaker_rejections_total', () => new Counter({
        name: 'partner_breaker_rejections_total',
        help: 'Calls refused by an open breaker',
        labelNames: ['system'],
        registers: [opts.metrics!],
      }));
      this.breaker.on('reject', () => rejected.inc({ system }));
    }
  }

  /** The path as the partner sees it, base path included: what request signatures cover. */
  fullPath(path: string): string {
    return `${this.basePath}${path}`;
  }

  get state(): BreakerState {
    return this.breaker.opened ? 'open' : this.breaker.halfOpen ? 'half_open' : 'closed';
  }

  /** The breaker's state, its failure share in the rolling window and when it last changed. */
  snapshot() {
    const s = this.breaker.stats;
    const calls = s.successes + s.failures;
    return {
      system: this.system,
      state: this.state,
      errorRate: calls === 0 ? 0 : s.failures / calls,
      lastChange: this.lastChange.toISOString(),
      resetTimeoutMs: this.breakerOptions.resetTimeoutMs,
    };
  }

  async send(req: PartnerRequest): Promise<PartnerResponse> {
    try {
      return await this.breaker.fire(req);
    } catch (err) {
      if (err instanceof PartnerError) {
        if (err.code === PartnerErrorCode.rejected) return { status: err.status ?? 400, body: err.cause, durationMs: 0 };
        throw err;
      }
      if ((err as { code?: string }).code === 'EOPENBREAKER') {
        throw new PartnerError(PartnerErrorCode.breakerOpen, `${this.system} breaker is open`, {
          retryable: true,
          retryAfterMs: this.breakerOptions.resetTimeoutMs,
        });
      }
      throw err;
    }
  }

  private async call(req: PartnerRequest): Promise<PartnerResponse> {
    const started = performance.now();
    const search = req.query ? `?${new URLSearchParams(req.query).toString()}` : '';
    const payload = req.form ? { type: 'application/x-www-form-urlencoded', text: new URLSearchParams(req.form).toString() }
      : req.body !== undefined ? { type: 'application/json', text: JSON.stringify(req.body) } : undefined;
    let outcome = 'error';
    try {
      const res = await this.pool.request({
        method: req.method,
        path: `${this.basePath}${req.path}${search}`,
        headers: { accept: 'application/json', ...(payload ? { 'content-type': payload.type } : {}), ...req.headers },
        ...(payload ? { body: payload.text } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.body.text();
      outcome = String(res.statusCode);
      const durationMs = performance.now() - started;
      let body: unknown = text;
      try { body = text ? JSON.parse(text) : null; } catch { /* keep the text: a bad body is judged by the caller */ }
      if (res.statusCode >= 500 || res.statusCode === 429) {
        throw new PartnerError(PartnerErrorCode.serverError, `${this.system} answered ${res.statusCode}`, { retryable: true, status: res.statusCode });
      }
      if (res.statusCode === 401 || res.statusCode === 403) {
        throw new PartnerError(PartnerErrorCode.auth, `${this.system} refused our credentials (${res.statusCode})`, { retryable: false, status: res.statusCode });
      }
      if (res.statusCode >= 400) {
        // Resolved by send(): a business answer the adapter maps, and not a breaker failure.
        throw new PartnerError(PartnerErrorCode.rejected, `${this.system} answered ${res.statusCode}`, { retryable: false, status: res.statusCode, cause: body });
      }
      return { status: res.statusCode, body, durationMs };
    } catch (err) {
      if (err instanceof PartnerError) throw err;
      const name = (err as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError' || err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
        outcome = PartnerErrorCode.timeout;
        throw new PartnerError(PartnerErrorCode.timeout, `${this.system} did not answer within ${this.timeoutMs} ms`, { retryable: true, cause: err });
      }
      outcome = PartnerErrorCode.unreachable;
      throw new PartnerError(PartnerErrorCode.unreachable, `${this.system} unreachable: ${(err as Error).message}`, { retryable: true, cause: err });
    } finally {
      this.callDuration?.observe({ system: this.system, outcome }, (performance.now() - started) / 1000);
    }
  }

  async close(): Promise<void> {
    this.breaker.shutdown();
    await this.pool.close();
  }
}

function getOrCreate<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}
