import t, { type Test } from 'tap';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { PartnerClient, PartnerError, type PartnerClientOptions } from '@sutasoma/partner-client';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
type Answer = (res: ServerResponse, req: Seen) => void;

/** A partner on a real port: tests choose its answer and read what it received. */
async function startPartner(t: Test) {
  let answer: Answer = (res) => reply(res, 200, { ok: true });
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { body += c; });
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(r);
      answer(res, r);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.teardown(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    url,
    seen,
    answer: (a: Answer) => { answer = a; },
  };
}

function reply(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

// Generous by default: a local partner that answers must never be taken for a slow one on a busy
// machine. Tests of the timeout itself set their own.
function client(t: Test, opts: Partial<PartnerClientOptions> & { baseUrl: string }): PartnerClient {
  const c = new PartnerClient({ system: 'bpjs', timeoutMs: 10_000, ...opts });
  t.teardown(() => c.close());
  return c;
}

/** The error `promise` rejects with; fails the test if it resolves. */
async function failure(promise: Promise<unknown>): Promise<PartnerError> {
  try {
    const value = await promise;
    throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
  } catch (err) {
    if (!(err instanceof PartnerError)) throw err;
    return err;
  }
}

async function until(what: string, done: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const register = { method: 'POST' as const, path: '/v1/peserta', body: { nik: '7312024505880007', program: 'BPU' } };

t.test('a 2xx answer resolves with the parsed body, and the request arrives as JSON', async (t) => {
  const partner = await startPartner(t);
  partner.answer((res) => reply(res, 201, { kpj: '25012345678', status: 'registered' }));
  const bpjs = client(t, { baseUrl: partner.url });
  const res = await bpjs.send({ ...register, headers: { 'x-cons-id': 'sutasoma' } });
  t.equal(res.status, 201);
  t.same(res.body, { kpj: '25012345678', status: 'registered' });
  t.ok(res.durationMs > 0);
  const [req] = partner.seen;
  t.equal(req?.method, 'POST');
  t.equal(req?.headers['content-type'], 'application/json');
  t.equal(req?.headers['accept'], 'application/json');
  t.equal(req?.headers['x-cons-id'], 'sutasoma', 'the caller\'s headers are sent');
  t.same(JSON.parse(req?.body ?? ''), register.body);
});

t.test('an empty 2xx resolves with a null body; a body that is not JSON is kept as text for the caller to judge', async (t) => {
  const partner = await startPartner(t);
  const bpjs = client(t, { baseUrl: partner.url });
  partner.answer((res) => reply(res, 204));
  t.match(await bpjs.send({ method: 'DELETE', path: '/v1/peserta/25012345678' }), { status: 204, body: null });
  t.equal(partner.seen[0]?.headers['content-type'], undefined, 'no content type without a body');
  partner.answer((res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>'));
  t.match(await bpjs.send({ method: 'GET', path: '/v1/peserta' }), { status: 200, body: '<html>maintenance</html>' });
});

t.test('a base URL with a path prefix is put before every request path, with the query after it', async (t) => {
  const partner = await startPartner(t);
  const bpjs = client(t, { baseUrl: `${partner.url}/bpjs/api/` });
  await bpjs.send({ method: 'GET', path: '/v1/peserta', query: { nik: '7312024505880007', program: 'BPU' } });
  const ekartutani = client(t, { system: 'ekartutani', baseUrl: `${partner.url}/ekartutani` });
  await ekartutani.send({ method: 'GET', path: '/cards/7312024505880007' });
  const plain = client(t, { system: 'simluhtan', baseUrl: partner.url });
  await plain.send({ method: 'GET', path: '/anggota' });
  t.same(partner.seen.map((r) => r.url), [
    '/bpjs/api/v1/peserta?nik=7312024505880007&program=BPU',
    '/ekartutani/cards/7312024505880007',
    '/anggota',
  ]);
});

t.test('a 404 or 409 is a business answer: it resolves with the body and does not trip the breaker', async (t) => {
  const partner = await startPartner(t);
  const bpjs = client(t, { baseUrl: partner.url, breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 } });
  partner.answer((res, req) => (req.url.includes('unknown')
    ? reply(res, 404, { code: 'PESERTA_TIDAK_DITEMUKAN' })
    : reply(res, 409, { code: 'SUDAH_TERDAFTAR', kpj: '25012345678' })));
  const answers = [];
  for (let i = 0; i < 5; i++) {
    answers.push(await bpjs.send({ method: 'GET', path: '/v1/peserta/unknown' }));
    answers.push(await bpjs.send(register));
  }
  t.same(answers.map((a) => a.status), [404, 409, 404, 409, 404, 409, 404, 409, 404, 409]);
  t.same(answers[1]?.body, { code: 'SUDAH_TERDAFTAR', kpj: '25012345678' }, 'the partner\'s answer reaches the adapter to map');
  t.equal(bpjs.state, 'closed', 'ten business answers leave the breaker closed');
  t.equal(bpjs.snapshot().errorRate, 0);
  t.equal(partner.seen.length, 10, 'every call reached the partner');
});

t.test('a 5xx or 429 rejects as PARTNER_5XX, retryable, with the status', async (t) => {
  const partner = await startPartner(t);
  const bpjs = client(t, { baseUrl: partner.url });
  for (const status of [500, 502, 503, 429]) {
    partner.answer((res) => reply(res, status, { message: 'internal detail the client must not pass on' }));
    const err = await failure(bpjs.send(register));
    t.match(err, { code: 'PARTNER_5XX', retryable: true, status }, `status ${status}`);
  }
});

t.test('a partner that does not answer in time rejects as PARTNER_TIMEOUT, retryable', async (t) => {
  const partner = await startPartner(t);
  partner.answer(() => { /* never answers */ });
  const bpjs = client(t, { baseUrl: partner.url, timeoutMs: 1_000 });
  const pending = failure(bpjs.send(register));
  // The partner records a request when it has read it, which may be after the client gave up.
  await until('the request to reach the partner', () => partner.seen.length === 1);
  const err = await pending;
  t.match(err, { code: 'PARTNER_TIMEOUT', retryable: true, status: undefined });
  t.match(err.message, /1000 ms/);
  t.equal(partner.seen.length, 1, 'the request did reach the partner');
});

t.test('a partner that resets the connection, or is not listening, rejects as PARTNER_UNREACHABLE, retryable', async (t) => {
  const partner = await startPartner(t);
  partner.answer((res) => res.socket?.destroy());
  const bpjs = client(t, { baseUrl: partner.url });
  t.match(await failure(bpjs.send(register)), { code: 'PARTNER_UNREACHABLE', retryable: true });

  // Nothing listens on port 1.
  const offline = client(t, { system: 'simluhtan', baseUrl: 'http://127.0.0.1:1' });
  t.match(await failure(offline.send({ method: 'GET', path: '/anggota' })), { code: 'PARTNER_UNREACHABLE', retryable: true });
});

t.test('refused credentials reject as PARTNER_AUTH and are not retried', async (t) => {
  const partner = await startPartner(t);
  const bpjs = client(t, { baseUrl: partner.url });
  for (const status of [401, 403]) {
    partner.answer((res) => reply(res, status, { message: 'signature invalid' }));
    t.match(await failure(bpjs.send(register)), { code: 'PARTNER_AUTH', retryable: false, status }, `status ${status}`);
  }
});

t.test('snapshot reports the breaker state and the failure share of the window', async (t) => {
  const partner = await startPartner(t);
  const bpjs = client(t, { baseUrl: partner.url, breaker: { volumeThreshold: 10, resetTimeoutMs: 30_000 } });
  t.match(bpjs.snapshot(), { system: 'bpjs', state: 'closed', errorRate: 0, resetTimeoutMs: 30_000 });
  partner.answer((res) => reply(res, 200, {}));
  await bpjs.send(register);
  partner.answer((res) => reply(res, 500));
  for (let i = 0; i < 3; i++) await failure(bpjs.send(register));
  const snap = bpjs.snapshot();
  t.equal(snap.state, 'closed', 'four calls are under the volume threshold');
  t.equal(snap.errorRate, 0.75);
  t.ok(!Number.isNaN(Date.parse(snap.lastChange)));
});

t.test('after enough failures the breaker opens, refuses calls without reaching the partner, and a good probe closes it', async (t) => {
  const partner = await startPartner(t);
  // The reset must outlast the few statements between opening and the refused call on a busy
  // machine, or the breaker is half-open already; the timeout must let a prompt 500 through as a 500.
  const bpjs = client(t, { baseUrl: partner.url, timeoutMs: 1_000, breaker: { volumeThreshold: 4, errorThresholdPercentage: 50, resetTimeoutMs: 3_000 } });
  const openedAt = bpjs.snapshot().lastChange;

  partner.answer((res) => reply(res, 503));
  for (let i = 0; i < 2; i++) await failure(bpjs.send(register));
  partner.answer(() => { /* a partner too slow to answer counts as failing too */ });
  t.match(await failure(bpjs.send(register)), { code: 'PARTNER_TIMEOUT' });
  t.equal(bpjs.state, 'closed', 'three failures are under the volume threshold of four');
  await until('the slow call to reach the partner', () => partner.seen.length === 3);

  partner.answer((res) => reply(res, 500));
  t.match(await failure(bpjs.send(register)), { code: 'PARTNER_5XX' });
  t.equal(bpjs.state, 'open', 'the fourth failure at 100% opens it');
  t.match(bpjs.snapshot(), { state: 'open', errorRate: 1 });
  t.not(bpjs.snapshot().lastChange, openedAt, 'the change is recorded');
  t.equal(partner.seen.length, 4);

  const refused = await failure(bpjs.send(register));
  t.match(refused, { code: 'BREAKER_OPEN', retryable: true, retryAfterMs: 3_000 });
  t.equal(partner.seen.length, 4, 'a refused call never reaches the partner');

  await until('the breaker to let a probe through', () => bpjs.state === 'half_open');
  partner.answer((res) => reply(res, 200, { kpj: '25012345678' }));
  const probe = await bpjs.send(register);
  t.equal(probe.status, 200);
  t.equal(bpjs.state, 'closed', 'a successful probe closes the breaker');
  t.equal(partner.seen.length, 5);
});

t.test('a probe that fails opens the breaker again at once', async (t) => {
  const partner = await startPartner(t);
  const bpjs = client(t, { baseUrl: partner.url, breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 2_000 } });
  partner.answer((res) => reply(res, 500));
  await failure(bpjs.send(register));
  await failure(bpjs.send(register));
  t.equal(bpjs.state, 'open');
  await until('the breaker to let a probe through', () => bpjs.state === 'half_open');
  t.match(await failure(bpjs.send(register)), { code: 'PARTNER_5XX' }, 'the probe reaches the partner');
  t.equal(bpjs.state, 'open');
  t.match(await failure(bpjs.send(register)), { code: 'BREAKER_OPEN' });
  t.equal(partner.seen.length, 3, 'two failures and one probe');
});

t.test('partner calls are measured by outcome, and refusals by an open breaker are counted', async (t) => {
  const partner = await startPartner(t);
  const metrics = new Registry();
  const bpjs = client(t, { baseUrl: partner.url, metrics, breaker: { volumeThreshold: 3, resetTimeoutMs: 60_000 } });
  partner.answer((res) => reply(res, 200, {}));
  await bpjs.send(register);
  partner.answer((res) => reply(res, 404, {}));
  await bpjs.send(register);
  partner.answer((res) => res.socket?.destroy());
  for (let i = 0; i < 3; i++) await failure(bpjs.send(register));
  t.equal(bpjs.state, 'open', 'three failures of five calls open it');
  partner.answer((res) => reply(res, 500));
  for (let i = 0; i < 2; i++) t.match(await failure(bpjs.send(register)), { code: 'BREAKER_OPEN' });

  const read = async (name: string) => (await metrics.getSingleMetric(name)!.get()).values;
  const calls = (await read('partner_call_duration_seconds'))
    .filter((v) => (v as { metricName?: string }).metricName === 'partner_call_duration_seconds_count')
    .map((v) => [v.labels['outcome'], v.value]);
  t.same(Object.fromEntries(calls), { 200: 1, 404: 1, PARTNER_UNREACHABLE: 3 }, 'refused calls are not partner calls');
  t.same((await read('partner_breaker_open')).map((v) => [v.labels['system'], v.value]), [['bpjs', 1]]);
  t.same((await read('partner_breaker_rejections_total')).map((v) => v.value), [2]);
});
