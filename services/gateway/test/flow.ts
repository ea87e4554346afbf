import type { Test } from 'tap';
import { createTestPrefix, startPartners, waitFor, type Partners } from '@sutasoma/testing';
import { startGateway, type GatewayUnderTest } from './helpers.ts';

export interface SimFarmer {
  nik: string;
  fullName: string;
  birthDate: string;
  sex: 'M' | 'F';
  villageCode: string;
  address: string;
  phone: string;
  declaredMonthlyIncome: number;
}

export interface FlowUnderTest extends GatewayUnderTest {
  partners: Partners;
  agent: string;
  farmers: (kind: 'eligible' | 'no_group' | 'no_card' | 'already_participant', limit: number, offset?: number, extra?: string) => Promise<SimFarmer[]>;
  register: (farmer: SimFarmer, key?: string) => Promise<{ id: string; status: number }>;
  registration: (id: string) => Promise<{ status: string; kpj: string | null; reason: { code: string } | null; steps: { name: string; state: string; attempts: number; lastErrorCode: string | null }[]; farmer: { card: { found: boolean } | null } }>;
  settled: (id: string, timeoutMs?: number) => Promise<Awaited<ReturnType<FlowUnderTest['registration']>>>;
  participantsAtBpjs: (nik: string) => Promise<number>;
  /** Registers `count` farmers of a kind and waits until each is registered; returns them with their KPJ. */
  participants: (count: number, offset: number, kind?: 'eligible' | 'no_card') => Promise<(SimFarmer & { kpj: string })[]>;
  get: (url: string, token?: string) => Promise<{ status: number; body: any }>;
  post: (url: string, body: unknown, opts?: { key?: string; token?: string }) => Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  sim: (method: string, path: string, body?: unknown) => Promise<Response>;
}

/**
 * The whole registration path: the gateway in-process, the simulator and the three adapters as
 * processes, all on this file's schema and queue prefix.
 */
export async function startFlow(t: Test, opts: { gatewayEnv?: Record<string, string>; adapterEnv?: Record<string, string>; claims?: boolean; simEnv?: Record<string, string> } = {}): Promise<FlowUnderTest> {
  const queues = createTestPrefix();
  const partners = await startPartners(queues.prefix, opts.adapterEnv, { ...(opts.claims ? { claims: true } : {}), ...(opts.simEnv ? { simEnv: opts.simEnv } : {}) });
  t.teardown(() => partners.stop());
  const adapterUrls = Object.entries(partners.adapters).map(([system, p]) => `${system}=${p!.internalUrl}`).join(',');
  // The ops view of the breakers asks each adapter process; on a busy machine one may take more than
  // the production second to answer, which is not what any test here is about.
  const gw = await startGateway(t, { ADAPTER_URLS: adapterUrls, ADAPTER_PROBE_TIMEOUT_MS: '15000', ...opts.gatewayEnv }, queues);
  const agent = gw.token('demo-agent');
  const sim = (method: string, path: string, body?: unknown) => fetch(`${partners.sim.url}${path}`, {
    method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  const flow: FlowUnderTest = {
    ...gw,
    partners,
    agent,
    sim,
    farmers: async (kind, limit, offset = 0, extra = '') =>
      ((await (await sim('GET', `/_sim/farmers?kecamatan=Lalabata&case=${kind}&limit=${limit}&offset=${offset}${extra}`)).json()) as { items: SimFarmer[] }).items,
    register: async (farmer, key = `k-${crypto.randomUUID()}`) => {
      const res = await gw.app.inject({ method: 'POST', url: '/v1/registrations', headers: { authorization: `Bearer ${agent}`, 'idempotency-key': key }, payload: farmer });
      return { id: res.json().id, status: res.statusCode };
    },
    registration: async (id) => (await gw.app.inject({ url: `/v1/registrations/${id}`, headers: { authorization: `Bearer ${agent}` } })).json(),
    settled: (id, timeoutMs = 45_000) => waitFor(() => flow.registration(id), (r) => ['registered', 'rejected', 'failed'].includes(r.status), { timeoutMs, what: `registration ${id} to settle` }),
    get: async (url, token = agent) => {
      const res = await gw.app.inject({ url, headers: { authorization: `Bearer ${token}` } });
      return { status: res.statusCode, body: res.json() };
    },
    post: async (url, body, o = {}) => {
      const res = await gw.app.inject({
        method: 'POST', url, payload: body as object,
        headers: { authorization: `Bearer ${o.token ?? agent}`, 'idempotency-key': o.key ?? `k-${crypto.randomUUID()}` },
      });
      return { status: res.statusCode, body: res.json(), headers: res.headers };
    },
    participants: async (count, offset, kind = 'eligible') => {
      const farmers = await flow.farmers(kind, count, offset, kind === 'eligible' ? '&cardStatus=ACTIVE' : '');
      const ids = await Promise.all(farmers.map(async (f) => (await flow.register(f)).id));
      const regs = await Promise.all(ids.map((id) => flow.settled(id)));
      return farmers.map((f, i) => {
        if (regs[i]!.status !== 'registered') throw new Error(`fixture farmer not registered: ${JSON.stringify(regs[i])}`);
        return { ...f, kpj: regs[i]!.kpj! };
      });
    },
    participantsAtBpjs: async (nik) => ((await (await sim('GET', `/_sim/bpjs/participants?nik=${nik}`)).json()) as { count: number }).count,
  };
  return flow;
}
