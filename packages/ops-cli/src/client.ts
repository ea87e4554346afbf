import type { z } from 'zod';
import {
  Breakers, FailedJobsPage, JobActionResult, Problem, Timeline, TokenResponse,
  type FailedJob, type JobSelection,
} from '@sutasoma/contracts';
import type { CliConfig } from './config.ts';
import { CliError } from './errors.ts';

/** What `GET /ops/jobs` filters on; the gateway validates the values. */
export type JobFilter = Partial<Record<'system' | 'code' | 'kind' | 'since', string>>;
export type JobAction = 'replay' | 'discard';

/** Jobs asked for per page of `GET /ops/jobs` (the API allows up to 500). */
export const PAGE_SIZE = 100;

// A chunk of 25 replays is 25 transactions at the gateway: generous, but never hang forever.
const TIMEOUT_MS = 60_000;

/** The gateway's ops API over HTTP. Answers are checked against the contracts. */
export class OpsClient {
  private token: string | undefined;

  constructor(private readonly config: CliConfig) {
    this.token = config.token;
  }

  /** One page of failed jobs, newest first. */
  failedJobs(filter: JobFilter, limit: number, offset: number): Promise<z.infer<typeof FailedJobsPage>> {
    const query = new URLSearchParams({ state: 'failed' });
    for (const [k, v] of Object.entries(filter)) if (v !== undefined) query.set(k, v);
    query.set('limit', String(limit));
    query.set('offset', String(offset));
    return this.call(FailedJobsPage, 'GET', `/ops/jobs?${query}`);
  }

  /** Pages through the failed jobs matching `filter`, up to `max`; `total` is how many match. */
  async allFailedJobs(filter: JobFilter, max: number): Promise<{ items: FailedJob[]; total: number }> {
    const items: FailedJob[] = [];
    let total = 0;
    while (items.length < max) {
      const page = await this.failedJobs(filter, Math.min(PAGE_SIZE, max - items.length), items.length);
      total = page.total;
      items.push(...page.items);
      if (page.items.length === 0 || items.length >= total) break;
    }
    return { items, total };
  }

  act(action: JobAction, selection: JobSelection): Promise<z.infer<typeof JobActionResult>> {
    return this.call(JobActionResult, 'POST', `/ops/jobs/${action}`, selection);
  }

  timeline(operationId: string): Promise<z.infer<typeof Timeline>> {
    return this.call(Timeline, 'GET', `/ops/operations/${encodeURIComponent(operationId)}/timeline`);
  }

  breakers(): Promise<z.infer<typeof Breakers>> {
    return this.call(Breakers, 'GET', '/ops/breakers');
  }

  private async bearer(): Promise<string> {
    if (this.token) return this.token;
    const { username, password } = this.config.demo;
    try {
      this.token = (await this.send(TokenResponse, 'POST', '/v1/auth/token', { username, password }, undefined)).accessToken;
    } catch (err) {
      if (err instanceof GatewayUnreachable) throw err;
      const why = err instanceof CliError ? err.message : String(err);
      throw new CliError(`OPS_TOKEN is not set and signing in as ${username} through the demo route failed (${why}): set OPS_TOKEN to a bearer token of role ops`, [], { cause: err });
    }
    return this.token;
  }

  private async call<S extends z.ZodType>(schema: S, method: 'GET' | 'POST', path: string, body?: unknown): Promise<z.infer<S>> {
    return this.send(schema, method, path, body, await this.bearer());
  }

  private async send<S extends z.ZodType>(schema: S, method: 'GET' | 'POST', path: string, body: unknown, token: string | undefined): Promise<z.infer<S>> {
    const url = `${this.config.gatewayUrl}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          accept: 'application/json, application/problem+json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new GatewayUnreachable(`cannot reach the gateway at ${this.config.gatewayUrl} (${cause?.code ?? cause?.message ?? (err as Error).message}): is it running, and is GATEWAY_URL right?`, [], { cause: err });
    }
    const json: unknown = await res.json().catch(() => undefined);
    if (!res.ok) throw problemError(method, path, res.status, json);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new CliError(`the gateway's answer to ${method} ${path.split('?')[0]} does not match the contract`,
        parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`));
    }
    return parsed.data;
  }
}

class GatewayUnreachable extends CliError {}

/** An RFC 9457 answer as the operator reads it: the detail, the code, and every bad field. */
function problemError(method: string, path: string, status: number, body: unknown): CliError {
  const problem = Problem.partial().safeParse(body);
  if (!problem.success || (!problem.data.detail && !problem.data.title)) {
    return new CliError(`${method} ${path.split('?')[0]} answered HTTP ${status}`);
  }
  const p = problem.data;
  return new CliError(`${p.detail ?? p.title} (${p.code ?? 'error'}, HTTP ${status})`,
    (p.errors ?? []).map((e) => `${e.field}: ${e.message}`));
}
