import t, { type Test } from 'tap';
import { z } from 'zod';
import { buildService, createLogger, problems, type ReadinessCheck, type ServiceApp } from '@sutasoma/service-kit';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A service as the gateway builds one, with a few routes of its own; closed in teardown. */
async function startService(t: Test, readiness?: ReadinessCheck, routes?: (app: ServiceApp) => void): Promise<{ app: ServiceApp; logged: () => Record<string, unknown>[] }> {
  const chunks: string[] = [];
  const logger = createLogger({ name: 'gateway', level: 'warn', destination: { write: (s: string) => { chunks.push(s); } } });
  const app = await buildService({ name: 'gateway', logger, bodyLimit: 1024, ...(readiness ? { readiness } : {}) });
  app.post('/v1/registrations', {
    schema: { body: z.object({ nik: z.string().regex(/^\d{16}$/), villageCode: z.string() }).strict() },
  }, async (request) => {
    if (request.body.villageCode !== '7312022001') {
      throw problems.validation([{ field: 'villageCode', code: 'village_not_assigned', message: 'is not one of your villages' }]);
    }
    return { ok: true };
  });
  app.get('/v1/registrations/:id', async (request) => ({ id: (request.params as { id: string }).id }));
  app.get('/boom', async () => { throw new Error('connection to 10.0.0.5 refused for user ledger_admin'); });
  routes?.(app);
  await app.ready();
  t.teardown(() => app.close());
  return { app, logged: () => chunks.join('').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

t.test('/health answers ok with the service name', async (t) => {
  const { app } = await startService(t);
  const res = await app.inject({ url: '/health' });
  t.equal(res.statusCode, 200);
  t.same(res.json(), { status: 'ok', service: 'gateway' });
});

t.test('/ready answers 200 while every check is ok', async (t) => {
  const { app } = await startService(t, async () => ({ postgres: 'ok', redis: 'ok' }));
  const res = await app.internal.inject({ url: '/ready' });
  t.equal(res.statusCode, 200);
  t.same(res.json(), { status: 'ready', service: 'gateway', checks: { postgres: 'ok', redis: 'ok' } });
});

t.test('/ready answers 503 naming the failing check when Redis is down', async (t) => {
  const { app } = await startService(t, async () => ({ postgres: 'ok', redis: 'unreachable: connect ECONNREFUSED 127.0.0.1:6379' }));
  const res = await app.internal.inject({ url: '/ready' });
  t.equal(res.statusCode, 503);
  t.same(res.json(), {
    status: 'not_ready',
    service: 'gateway',
    checks: { postgres: 'ok', redis: 'unreachable: connect ECONNREFUSED 127.0.0.1:6379' },
  });
});

t.test('/ready answers 503 when the readiness check itself throws', async (t) => {
  const { app } = await startService(t, async () => { throw new Error('pool is closed'); });
  const res = await app.internal.inject({ url: '/ready' });
  t.equal(res.statusCode, 503);
  t.same(res.json().checks, { readiness: 'pool is closed' });
});

t.test('the internal port answers an unknown path and a failing route with problem+json, as the public one does', async (t) => {
  const { app } = await startService(t, undefined, (a) => {
    a.internal.get('/breaker', async () => { throw new Error('breaker state unreadable at 10.0.0.5'); });
  });
  const missing = await app.internal.inject({ url: '/metrics/nope' });
  t.equal(missing.statusCode, 404);
  t.match(missing.headers['content-type'], /^application\/problem\+json/);
  t.match(missing.json(), { status: 404, code: 'not_found', detail: 'No route GET /metrics/nope.' });
  const failed = await app.internal.inject({ url: '/breaker' });
  t.equal(failed.statusCode, 500);
  t.match(failed.headers['content-type'], /^application\/problem\+json/);
  t.equal(failed.json().code, 'internal_error');
  t.notMatch(failed.body, /10\.0\.0\.5/, 'the internal error\'s text is not handed out');
});

t.test('/metrics serves Prometheus text with request durations labelled by route pattern, not by id', async (t) => {
  const { app } = await startService(t);
  await app.inject({ url: '/health' });
  await app.inject({ url: '/v1/registrations/0b6c8a5e-1111-4222-8333-444455556666' });
  await app.inject({ url: '/v1/registrations/7a1d3c2b-1111-4222-8333-444455556666' });
  await app.inject({ url: '/no/such/route/for-farmer-7312024505880007' });
  const res = await app.internal.inject({ url: '/metrics' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  const text = res.body;
  t.match(text, /^# TYPE http_request_duration_seconds histogram$/m);
  const count = (labels: RegExp) => {
    const line = text.split('\n').find((l) => l.startsWith('http_request_duration_seconds_count{') && labels.test(l));
    return line ? Number(line.split(' ').pop()) : undefined;
  };
  t.equal(count(/route="\/health".*status="200"/), 1, 'the health check was timed');
  t.equal(count(/route="\/v1\/registrations\/:id".*status="200"/), 2, 'both reads share the route pattern');
  t.notMatch(text, /0b6c8a5e|7312024505880007/, 'no id or NIK from a URL becomes a label');
  t.match(text, /service="gateway"/, 'every series carries the service');
  t.match(text, /process_cpu_user_seconds_total/, 'the default process metrics are collected');
});

t.test('an unknown route answers a 404 problem+json naming the route', async (t) => {
  const { app } = await startService(t);
  const res = await app.inject({ url: '/v1/participants?nik=7312024505880007', headers: { 'x-request-id': 'agent-req-0001' } });
  t.equal(res.statusCode, 404);
  t.match(res.headers['content-type'], /^application\/problem\+json/);
  t.same(res.json(), {
    type: 'https://sutasoma.soppengkab.go.id/problems/not_found',
    title: 'Not found',
    status: 404,
    code: 'not_found',
    detail: 'No route GET /v1/participants.',
    instance: '/v1/participants',
    requestId: 'agent-req-0001',
  });
  t.notMatch(res.body, /7312024505880007/, 'the query string is not echoed back');
});

t.test('a request id the caller gives is kept, echoed, and used in problems', async (t) => {
  const { app } = await startService(t);
  const ok = await app.inject({ url: '/health', headers: { 'x-request-id': 'mobile-7f3a.01:retry_2' } });
  t.equal(ok.headers['x-request-id'], 'mobile-7f3a.01:retry_2');
  const problem = await app.inject({ url: '/nowhere', headers: { 'x-request-id': 'mobile-7f3a.02' } });
  t.equal(problem.headers['x-request-id'], 'mobile-7f3a.02');
  t.equal(problem.json().requestId, 'mobile-7f3a.02');
});

t.test('without a request id, or with one that could forge log lines, the service makes its own', async (t) => {
  const { app } = await startService(t);
  const seen = new Set<string>();
  for (const headers of [{}, {}, { 'x-request-id': 'two words' }, { 'x-request-id': 'x'.repeat(129) }, { 'x-request-id': 'a\u00e9b' }]) {
    const res = await app.inject({ url: '/nowhere', headers });
    const id = String(res.headers['x-request-id']);
    t.match(id, UUID, `given ${JSON.stringify(headers)}`);
    t.equal(res.json().requestId, id, 'the problem names the same id as the header');
    seen.add(id);
  }
  t.equal(seen.size, 5, 'each request gets its own id');
});

t.test('a handler that throws a validation problem answers 400 problem+json with the field errors', async (t) => {
  const { app } = await startService(t);
  const res = await app.inject({ method: 'POST', url: '/v1/registrations', payload: { nik: '7312024505880007', villageCode: '7312011001' } });
  t.equal(res.statusCode, 400);
  t.match(res.headers['content-type'], /^application\/problem\+json/);
  t.match(res.json(), {
    type: 'https://sutasoma.soppengkab.go.id/problems/validation_failed',
    status: 400,
    code: 'validation_failed',
    detail: 'The request has invalid fields.',
    instance: '/v1/registrations',
    requestId: UUID,
    errors: [{ field: 'villageCode', code: 'village_not_assigned', message: 'is not one of your villages' }],
  });
  t.equal(res.json().errors.length, 1);
});

t.test('a body that fails the route\'s schema answers 400 naming each bad field, an unknown one included', async (t) => {
  const { app } = await startService(t);
  const res = await app.inject({ method: 'POST', url: '/v1/registrations', payload: { nik: '123', villageCode: '7312022001', religion: 'Islam' } });
  t.equal(res.statusCode, 400);
  t.equal(res.json().code, 'validation_failed');
  const fields = (res.json().errors as { field: string; code: string }[]).map((e) => `${e.field}:${e.code}`).sort();
  t.same(fields, ['nik:invalid_format', 'religion:unrecognized_field']);
});

t.test('a body that is not JSON, or too large, answers a problem rather than a stack trace', async (t) => {
  const { app } = await startService(t);
  const broken = await app.inject({ method: 'POST', url: '/v1/registrations', headers: { 'content-type': 'application/json' }, payload: '{"nik": ' });
  t.equal(broken.statusCode, 400);
  t.match(broken.json(), { code: 'validation_failed', errors: [{ field: '(body)', code: 'invalid_json' }] });
  const large = await app.inject({ method: 'POST', url: '/v1/registrations', payload: { nik: '7312024505880007', villageCode: 'x'.repeat(2_000) } });
  t.equal(large.statusCode, 413);
  t.equal(large.json().code, 'payload_too_large');
  const text = await app.inject({ method: 'POST', url: '/v1/registrations', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'nik=7312024505880007' });
  t.equal(text.statusCode, 415);
  t.equal(text.json().code, 'unsupported_media_type');
});

t.test('a path that cannot be read (a percent sign that is no escape, a segment over the length limit) answers 400 problem+json', async (t) => {
  const { app } = await startService(t);
  const cases: [string, string][] = [['/v1/registrations/abc%', 'invalid_url'], ['/v1/registrations/%E0%A4%A', 'invalid_url'], [`/v1/registrations/${'1'.repeat(101)}`, 'too_long']];
  for (const [url, code] of cases) {
    const res = await app.inject({ url });
    t.equal(res.statusCode, 400, url);
    t.match(res.headers['content-type'], /^application\/problem\+json/);
    t.match(res.json(), { status: 400, code: 'validation_failed', errors: [{ field: '(path)', code }] });
  }
});

t.test('an unexpected error answers 500 without revealing its message, and is logged with the request id', async (t) => {
  const { app, logged } = await startService(t);
  const res = await app.inject({ url: '/boom', headers: { 'x-request-id': 'ops-trace-0001' } });
  t.equal(res.statusCode, 500);
  t.equal(res.json().code, 'internal_error');
  t.notMatch(res.body, /10\.0\.0\.5|ledger_admin/);
  const line = logged().find((l) => l['msg'] === 'unhandled error');
  t.ok(line, 'the error is logged');
  t.equal(line?.['reqId'], 'ops-trace-0001');
  t.match(line?.['err'], { message: /ledger_admin/ });
});
