import { setTimeout as sleep } from 'node:timers/promises';
import type { System } from '../lib/system.ts';
import { terminateGatewayBackends } from './pg-backends.ts';
import type { RedisServer } from './redis-server.ts';

export type Phase = 'registrations' | 'contributions' | 'claims';

export interface FaultContext {
  system: System;
  /** The scenario's own Redis, for a scenario with `ownRedis`. */
  redis?: RedisServer;
  /** The phase the fault is injected in. */
  phase: Phase;
  /** Resolves once every request of the phase has been sent and answered. */
  sent: Promise<void>;
  /**
   * Resolves once every claim case of the phase has been submitted to BPJS (or ended), so that
   * every decision webhook is on its way; at once in the other phases.
   */
  submitted: () => Promise<void>;
}

export interface Fault {
  inject: () => Promise<void>;
  /** Resolves when the fault has lasted long enough. */
  hold: () => Promise<void>;
  clear: () => Promise<void>;
}

export interface Scenario {
  name: string;
  channel: 'agent_cash' | 'bank_va';
  /** The phases the fault is injected in, a third of the way through each (claims: of the hospital stays started). */
  phases: Phase[];
  /** Runs against a system of its own on a Redis of its own. */
  ownRedis?: boolean;
  fault: (ctx: FaultContext) => Fault;
}

export interface ScenarioOptions {
  outageS: number;
  slowS: number;
  databaseUrl: string;
  /** Progress notes. */
  note: (msg: string) => void;
}

async function sim(s: System, method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${s.sim.url}${path}`, {
    method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  if (!res.ok) throw new Error(`simulator ${method} ${path}: ${res.status} ${await res.text()}`);
}

const hold = (seconds: number) => () => sleep(seconds * 1000).then(() => {});
const ALL: Phase[] = ['registrations', 'contributions', 'claims'];

export function scenarios(opts: ScenarioOptions): Scenario[] {
  return [
    {
      name: 'partner-down', channel: 'agent_cash', phases: ALL,
      fault: ({ system }) => ({
        inject: () => sim(system, 'POST', '/_sim/faults', { system: 'bpjs', mode: 'down' }),
        hold: hold(opts.outageS),
        clear: () => sim(system, 'DELETE', '/_sim/faults?system=bpjs'),
      }),
    },
    {
      // 2 s answers against the adapters' 1 s timeout: every call times out, though BPJS may have done it.
      name: 'partner-slow', channel: 'agent_cash', phases: ALL,
      fault: ({ system }) => ({
        inject: () => sim(system, 'POST', '/_sim/faults', { system: 'bpjs', mode: 'latency', latencyMs: 2000 }),
        hold: hold(opts.slowS),
        clear: () => sim(system, 'DELETE', '/_sim/faults?system=bpjs'),
      }),
    },
    {
      name: 'kill-adapter', channel: 'agent_cash', phases: ALL,
      fault: ({ system }) => ({
        inject: () => system.adapters.bpjs!.kill('SIGKILL'),
        hold: hold(2),
        clear: () => system.adapters.bpjs!.restart(),
      }),
    },
    {
      name: 'kill-gateway', channel: 'agent_cash', phases: ALL,
      fault: ({ system }) => ({
        inject: () => system.gateway.kill('SIGKILL'),
        hold: hold(2),
        clear: () => system.gateway.restart(),
      }),
    },
    {
      // Restarted without persistence: queues, jobs and locks are gone; the outbox and the reconciler must finish everything.
      name: 'redis-restart', channel: 'agent_cash', phases: ALL, ownRedis: true,
      fault: ({ redis }) => ({
        inject: () => redis!.kill(),
        hold: hold(2),
        clear: () => redis!.start(),
      }),
    },
    {
      // The gateway's pool names its connections 'gateway'; the gateway must ride it out on its own.
      name: 'postgres-drop', channel: 'agent_cash', phases: ALL,
      fault: ({ system }) => ({
        inject: async () => {
          const { terminated, scoped } = await terminateGatewayBackends(opts.databaseUrl, system.gateway.port);
          opts.note(`postgres-drop: terminated ${terminated} gateway connections${scoped ? '' : ' (every backend named gateway: /proc could not tell this run\'s)'}`);
        },
        hold: async () => {},
        clear: async () => {},
      }),
    },
    {
      // Contributions: bank notifications, held from a third of the payments until all are made. Claims:
      // the hospital's notifications and BPJS's decisions, from a third of the stays started until every
      // case was submitted to BPJS (so decisions were sent under the fault too). Clearing sends the one still held back.
      name: 'webhooks', channel: 'bank_va', phases: ['contributions', 'claims'],
      fault: ({ system, sent, phase, submitted }) => {
        const paths = phase === 'claims' ? ['/_sim/hospital/webhook-faults', '/_sim/bpjs/claims/webhook-faults'] : ['/_sim/bank/webhook-faults'];
        return {
          inject: async () => { for (const p of paths) await sim(system, 'PUT', p, { duplicate: true, outOfOrder: true }); },
          hold: () => sent.then(() => (phase === 'claims' ? submitted() : undefined)).then(() => sleep(1000)),
          clear: async () => { for (const p of paths) await sim(system, 'DELETE', p); },
        };
      },
    },
  ];
}
