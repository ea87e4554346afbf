import type { PartnerSystem } from '@sutasoma/contracts';

export interface SystemStats {
  requests: number;
  /** HTTP status as a string, or `dropped` when the connection was cut without an answer. */
  byStatus: Record<string, number>;
}

/** Per-system call counts, so a test can prove a partner was (or was not) called. */
export class CallStats {
  #bySystem = new Map<PartnerSystem, SystemStats>();

  request(system: PartnerSystem): void {
    this.#of(system).requests += 1;
  }

  outcome(system: PartnerSystem, status: number | 'dropped'): void {
    const byStatus = this.#of(system).byStatus;
    const key = String(status);
    byStatus[key] = (byStatus[key] ?? 0) + 1;
  }

  snapshot(systems: readonly PartnerSystem[]): Record<string, SystemStats> {
    return Object.fromEntries(systems.map((s) => {
      const stats = this.#of(s);
      return [s, { requests: stats.requests, byStatus: { ...stats.byStatus } }];
    }));
  }

  reset(): void {
    this.#bySystem.clear();
  }

  #of(system: PartnerSystem): SystemStats {
    let stats = this.#bySystem.get(system);
    if (!stats) {
      stats = { requests: 0, byStatus: {} };
      this.#bySystem.set(system, stats);
    }
    return stats;
  }
}
