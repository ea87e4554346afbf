import { z } from 'zod';
import { PartnerSystem } from '@sutasoma/contracts';

export const FaultMode = z.enum(['down', 'error', 'timeout', 'latency']);
export type FaultMode = z.infer<typeof FaultMode>;

export const FaultRequest = z
  .object({
    system: PartnerSystem,
    mode: FaultMode,
    rate: z.number().min(0).max(1).default(1).describe('share of requests the fault hits, drawn per request'),
    status: z.number().int().min(400).max(599).default(503).describe('the HTTP status an `error` fault answers'),
    latencyMs: z.number().int().min(0).max(600_000).optional().describe('delay a `latency` fault adds'),
    durationMs: z.number().int().min(1).max(86_400_000).optional().describe('clear the fault by itself after this long'),
    path: z.string().regex(/^\/[\w./-]*$/).optional()
      .describe('only requests to this path under the partner\'s prefix (e.g. `/v1.0/account-inquiry-external`); default every request'),
  })
  .strict()
  .refine((f) => f.mode !== 'latency' || f.latencyMs !== undefined, {
    path: ['latencyMs'],
    message: 'is required when mode is latency',
  });
export type FaultRequest = z.infer<typeof FaultRequest>;

export interface Fault {
  system: PartnerSystem;
  mode: FaultMode;
  rate: number;
  status: number;
  latencyMs: number | null;
  durationMs: number | null;
  /** Only requests to this path (under the partner's prefix); null: every request. */
  path: string | null;
  createdAt: string;
  expiresAt: string | null;
}

/** The faults in force: at most one per system, a new one replacing the old. */
export class FaultRegistry {
  #faults = new Map<PartnerSystem, { fault: Fault; timer: NodeJS.Timeout | null }>();

  set(request: FaultRequest, now = new Date()): Fault {
    this.clear(request.system);
    const durationMs = request.durationMs ?? null;
    const fault: Fault = {
      system: request.system,
      mode: request.mode,
      rate: request.rate,
      status: request.status,
      latencyMs: request.latencyMs ?? null,
      durationMs,
      path: request.path ?? null,
      createdAt: now.toISOString(),
      expiresAt: durationMs === null ? null : new Date(now.getTime() + durationMs).toISOString(),
    };
    const timer = durationMs === null ? null : setTimeout(() => this.#expire(fault), durationMs).unref();
    this.#faults.set(request.system, { fault, timer });
    return fault;
  }

  get(system: PartnerSystem): Fault | undefined {
    return this.#faults.get(system)?.fault;
  }

  list(): Fault[] {
    return [...this.#faults.values()].map((f) => f.fault);
  }

  /** Clears one system's fault, or every fault when no system is given. */
  clear(system?: PartnerSystem): void {
    for (const [key, entry] of this.#faults) {
      if (system !== undefined && key !== system) continue;
      if (entry.timer) clearTimeout(entry.timer);
      this.#faults.delete(key);
    }
  }

  #expire(fault: Fault): void {
    if (this.#faults.get(fault.system)?.fault === fault) this.#faults.delete(fault.system);
  }
}
