import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type ServiceApp } from '@sutasoma/service-kit';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { bpjsSignature } from '../src/systems/bpjs-signature.ts';
import { jakartaTimestamp, snapTokenSignature, snapTransactionSignature } from '../src/systems/bank-snap.ts';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface FarmerItem {
  nik: string;
  fullName: string;
  birthDate: string;
  sex: 'M' | 'F';
  villageCode: string;
  address: string;
  phone: string;
  declaredMonthlyIncome: number;
}

export const EKARTUTANI = { 'x-client-id': 'sutasoma', 'x-client-secret': 'sim-ekartutani-secret' };

export async function startSim(test: Teardown, env: Record<string, string> = {}): Promise<ServiceApp> {
  const config = loadConfig({ LOG_LEVEL: 'silent', ...env });
  const app = await buildApp(config, { logger: createLogger({ name: 'partner-sim', level: 'silent' }) });
  test.teardown(() => app.close());
  return app;
}

export async function farmers(app: ServiceApp, query: string): Promise<FarmerItem[]> {
  const res = await app.inject({ url: `/_sim/farmers?${query}` });
  if (res.statusCode !== 200) throw new Error(`farmers ${query}: ${res.statusCode} ${res.body}`);
  return res.json<{ items: FarmerItem[] }>().items;
}

export async function oneFarmer(app: ServiceApp, query: string): Promise<FarmerItem> {
  const [farmer] = await farmers(app, `limit=1&${query}`);
  if (!farmer) throw new Error(`no farmer for ${query}`);
  return farmer;
}

export function bpjsHeaders(opts: { timestamp?: number; secret?: string; consId?: string } = {}): Record<string, string> {
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const consId = opts.consId ?? 'sutasoma';
  return { 'x-cons-id': consId, 'x-timestamp': timestamp, 'x-signature': bpjsSignature(consId, opts.secret ?? 'sim-bpjs-secret', timestamp) };
}

export interface DemoClientKey {
  clientId: string;
  privateKeyPem: string;
  clientSecret: string;
}

export async function demoClientKey(app: ServiceApp): Promise<DemoClientKey> {
  return (await app.inject({ url: '/_sim/bank/demo-client-key' })).json<DemoClientKey>();
}

export interface SnapBody {
  responseCode: string;
  responseMessage: string;
  [key: string]: unknown;
}

let externalIds = 0;

/** A fresh X-EXTERNAL-ID: numeric, as SNAP asks. */
export function newExternalId(): string {
  externalIds += 1;
  return `${Date.now()}${String(externalIds).padStart(6, '0')}`;
}

/** A SNAP client as an adapter would be: a token from the B2B endpoint, then signed calls. */
export async function bankClient(app: ServiceApp) {
  const key = await demoClientKey(app);
  const timestamp = jakartaTimestamp();
  const res = await app.inject({
    method: 'POST',
    url: '/bank/v1.0/access-token/b2b',
    headers: { 'x-timestamp': timestamp, 'x-client-key': key.clientId, 'x-signature': snapTokenSignature(key.privateKeyPem, key.clientId, timestamp) },
    payload: { grantType: 'client_credentials' },
  });
  if (res.statusCode !== 200) throw new Error(`token: ${res.statusCode} ${res.body}`);
  const token = res.json<{ accessToken: string }>().accessToken;

  const call = async (path: string, body: object, opts: { externalId?: string; secret?: string; token?: string; headers?: Record<string, string> } = {}) => {
    const timestamp = jakartaTimestamp();
    const accessToken = opts.token ?? token;
    const headers = {
      authorization: `Bearer ${accessToken}`,
      'content-type': 'application/json',
      'x-timestamp': timestamp,
      'x-partner-id': key.clientId,
      'x-external-id': opts.externalId ?? newExternalId(),
      'channel-id': '95221',
      'x-signature': snapTransactionSignature(opts.secret ?? key.clientSecret, 'POST', path, accessToken, JSON.stringify(body), timestamp),
      ...opts.headers,
    };
    const reply = await app.inject({ method: 'POST', url: path, headers, payload: JSON.stringify(body) });
    return { status: reply.statusCode, body: reply.json<SnapBody>() };
  };
  return { key, token, call };
}

export const CREATE_VA = '/bank/v1.0/transfer-va/create-va';
export const DEBIT = '/bank/v1.0/debit/payment-host-to-host';

/** A create-va body for customer `customerNo`, expiring `expiresInMs` from now. */
export function vaBody(customerNo: string, trxId: string, opts: { expiresInMs?: number; value?: string } = {}) {
  return {
    partnerServiceId: '   88899',
    customerNo,
    virtualAccountNo: `   88899${customerNo}`,
    virtualAccountName: 'Baso Lallo',
    trxId,
    totalAmount: { value: opts.value ?? '16800.00', currency: 'IDR' },
    expiredDate: jakartaTimestamp(new Date(Date.now() + (opts.expiresInMs ?? 86_400_000))),
  };
}

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A real HTTP server standing in for the gateway's webhook endpoint. `answer` picks each
 * request's status (default 204).
 */
export async function startReceiver(test: Teardown, answer: (received: Received, index: number) => number = () => 204) {
  const received: Received[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => { body += chunk; });
    req.on('end', () => {
      const item = { headers: req.headers, body };
      received.push(item);
      res.statusCode = answer(item, received.length - 1);
      res.end();
      for (const w of waiters.filter((w) => received.length >= w.count)) w.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  test.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/bank/payments`,
    received,
    /** Resolves once `count` requests have arrived; rejects after `ms` (generous: a busy machine is slow, never wrong). */
    waitFor(count: number, ms = 20_000): Promise<void> {
      if (received.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${received.length} of ${count} webhooks after ${ms} ms`)), ms);
        waiters.push({ count, resolve: () => { clearTimeout(timer); resolve(); } });
      });
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
