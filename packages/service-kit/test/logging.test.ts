import t from 'tap';
import { createLogger, lazyChild, type Logger } from '@sutasoma/service-kit';

/** A logger as a service builds it, writing its lines where the test can read them. */
function capture(name = 'bpjs-adapter', level = 'debug'): { logger: Logger; lines: () => Record<string, unknown>[]; raw: () => string } {
  const chunks: string[] = [];
  const logger = createLogger({ name, level, destination: { write: (s: string) => { chunks.push(s); } } });
  return {
    logger,
    raw: () => chunks.join(''),
    lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** Besse Hasnah's personal data, as it travels in a request body, a job's input or a partner's answer. */
const besse = () => ({
  nik: '7312024505880007',
  fullName: 'Besse Hasnah',
  nama: 'BESSE HASNAH',
  birthDate: '1988-05-05',
  tglLahir: '05-05-1988',
  phone: '081234567890',
  noHp: '081298765432',
  address: 'Dusun Bila, Desa Botto',
  alamat: 'Jl. Poros Soppeng No. 12',
  accountNumber: '0123456789012',
  nomorRekening: '9876543210987',
  bankAccount: '5555000011112222',
  nomorKartu: '6013501234567890',
  accountNo: '0021203850002',
  holderName: 'La Tenri',
  beneficiaryAccountNo: '0029000000077',
  beneficiaryAccountName: 'Andi Tenri',
  payerName: 'La Baso',
  sourceAccountNo: '0031000000123',
  customerNo: '7700012345',
  virtualAccountNo: '88899770001234567',
  description: 'jatuh dari pematang sawah di Dusun Bila',
  deathCertificateRef: 'AKTA-7312-2026-000123',
});
const SECRETS = Object.values(besse());

const at = (line: Record<string, unknown>, path: string[]) => path.reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], line);

t.test('a farmer\'s personal data is censored wherever it sits, from the top level down to three levels deep', async (t) => {
  const { logger, lines, raw } = capture();
  const shapes: [string, string[], Record<string, unknown>][] = [
    ['depth 0: fields of the log line itself', [], besse()],
    ['depth 1: a request body', ['body'], { body: besse() }],
    ['depth 2: a job\'s input', ['job', 'input'], { job: { input: besse() } }],
    ['depth 3: a partner\'s answer inside a step result', ['step', 'result', 'peserta'], { step: { result: { peserta: besse() } } }],
  ];
  for (const [msg, , obj] of shapes) logger.info({ operationId: 'op-1', ...obj }, msg);

  const out = raw();
  for (const secret of SECRETS) t.notOk(out.includes(secret), `"${secret}" never reaches the log`);
  const written = lines();
  t.equal(written.length, shapes.length);
  shapes.forEach(([msg, path], i) => {
    const line = written[i]!;
    t.equal(line['msg'], msg);
    t.equal(line['operationId'], 'op-1', `${msg}: a reference is kept`);
    for (const key of Object.keys(besse())) t.equal(at(line, [...path, key]), '[redacted]', `${msg}: ${key} is censored, not dropped`);
  });
});

t.test('a person\'s name is censored when nested, while the line keeps the service\'s name', async (t) => {
  const { logger, lines, raw } = capture('simluhtan-adapter');
  logger.info({ farmer: { name: 'Besse Hasnah' }, answer: { kelompok: { ketua: { name: 'La Baco' } } } }, 'membership verified');
  const [line] = lines();
  t.equal(line?.['name'], 'simluhtan-adapter');
  t.equal(line?.['service'], 'simluhtan-adapter');
  t.equal(at(line!, ['farmer', 'name']), '[redacted]');
  t.equal(at(line!, ['answer', 'kelompok', 'ketua', 'name']), '[redacted]');
  t.notOk(raw().includes('Besse') || raw().includes('La Baco'));
});

t.test('a child logger bound to a job keeps censoring what it logs', async (t) => {
  const { logger, lines, raw } = capture();
  const job = logger.child({ operationId: 'op-2', step: 'bpjs.register_participant' });
  job.warn({ input: besse() }, 'attempt failed');
  t.match(lines()[0], { operationId: 'op-2', step: 'bpjs.register_participant', input: { nik: '[redacted]', phone: '[redacted]' }, name: 'bpjs-adapter' });
  for (const secret of SECRETS) t.notOk(raw().includes(secret), `"${secret}" never reaches the log`);
});

t.test('credentials in logged request headers are censored; other headers are kept', async (t) => {
  const { logger, lines, raw } = capture('gateway');
  logger.info({
    req: {
      method: 'POST',
      headers: {
        authorization: 'Bearer eyJhbGciOi.secret.token',
        'x-signature': 'sig-abc123',
        'x-api-key': 'sim-simluhtan-key',
        'x-client-secret': 'sim-ekartutani-secret',
        cookie: 'session=s3cr3t',
        'webhook-signature': 'v1,hospital-hmac-xyz',
        'x-request-id': 'req-42',
      },
    },
  }, 'incoming');
  const headers = at(lines()[0]!, ['req', 'headers']) as Record<string, string>;
  for (const h of ['authorization', 'x-signature', 'x-api-key', 'x-client-secret', 'cookie', 'webhook-signature']) t.equal(headers[h], '[redacted]', h);
  t.equal(headers['x-request-id'], 'req-42');
  for (const secret of ['eyJhbGciOi', 'sig-abc123', 'sim-simluhtan-key', 'sim-ekartutani-secret', 's3cr3t', 'hospital-hmac-xyz']) t.notOk(raw().includes(secret));
});

t.test('the level decides what is written: a service at warn writes no info lines', async (t) => {
  const { logger, lines } = capture('gateway', 'warn');
  logger.info('request');
  logger.warn('request failed');
  t.same(lines().map((l) => l['msg']), ['request failed']);
});

t.test('a lazy child (one per request or job) writes its bindings and censors them as a child would, and is made only for a line written', async (t) => {
  const { logger, lines, raw } = capture('bpjs-adapter', 'info');
  let made = 0;
  const counting = new Proxy(logger, { get: (target, prop) => (prop === 'child' ? (...a: Parameters<Logger['child']>) => { made++; return target.child(...a); } : Reflect.get(target, prop)) });

  const quiet = lazyChild(counting, { operationId: 'op-2', correlationId: 'req-2', body: besse() });
  quiet.debug({ step: 'x' }, 'below the level');
  quiet.trace('below it too');
  t.equal(made, 0, 'nothing written, no child made');
  t.equal(raw(), '');

  const loud = lazyChild(counting, { operationId: 'op-3', correlationId: 'req-3', body: besse() });
  loud.info({ ms: 4 }, 'step done');
  loud.warn({ errorCode: 'timeout' }, 'step attempt failed');
  t.equal(made, 1, 'one child made, for the first line, and kept');
  const [done, failed] = lines();
  t.same([done?.['msg'], done?.['operationId'], done?.['correlationId'], done?.['ms']], ['step done', 'op-3', 'req-3', 4]);
  t.equal(failed?.['errorCode'], 'timeout');
  t.equal(at(done!, ['body', 'nik']), '[redacted]', 'bindings are censored');
  for (const secret of SECRETS) t.notOk(raw().includes(secret), `"${secret}" never reaches the log`);

  const debugging = lazyChild(counting, { operationId: 'op-4' }, { level: 'debug' });
  debugging.debug('written: the child\'s own level allows it');
  t.equal(lines().at(-1)?.['msg'], 'written: the child\'s own level allows it');
  t.equal(debugging.level, 'debug');
});
