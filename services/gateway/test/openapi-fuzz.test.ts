import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import fc from 'fast-check';
import { ErrorCode, PROBLEM_CONTENT_TYPE, Problem } from '@sutasoma/contracts';
import { createLogger } from '@sutasoma/service-kit';
import { waitFor } from '@sutasoma/testing';
import { DEMO_ACCOUNTS } from '../src/demo-accounts.ts';
import { OPENAPI_PATH } from '../src/openapi-document.ts';
import { REVIEW_COOKIE } from '../src/routes/reports.ts';
import { RequestGenerator, operationsOf, type Credential, type FuzzRequest } from './fuzz-requests.ts';
import { handSignedToken, startGateway } from './helpers.ts';

// Every operation of the committed OpenAPI document, sent requests it must refuse (see fuzz-requests.ts):
// never a 5xx, every answer a 4xx problem+json, nothing written to the ledger, nothing queued.
const SEED = Number(process.env['FUZZ_SEED'] ?? 1209);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 150);
t.comment(`fuzz seed ${SEED} (FUZZ_SEED to change it), ${RUNS} runs per operation (FUZZ_RUNS)`);

const logged: { level: number; msg?: string; err?: unknown }[] = [];
const logger = createLogger({ name: 'gateway', level: 'warn', destination: { write: (s: string) => { logged.push(JSON.parse(s)); } } });
// Demo mode: the document's POST /v1/auth/token exists only there.
const gw = await startGateway(t, { DEMO_MODE: 'true', DEMO_PASSWORD: 'sutasoma-demo' }, undefined, { logger });
const doc = JSON.parse(await readFile(fileURLToPath(new URL(`../../../${OPENAPI_PATH}`, import.meta.url)), 'utf8'));
const generator = new RequestGenerator(doc);
const operations = operationsOf(doc);

/** Every credential a request may carry, of each role: the gateway's own tokens, and tokens and cookies it must refuse. */
const ROLES = ['demo-agent', 'demo-supervisor', 'demo-ops'] as const;
const claimsOf = (username: string) => {
  const a = DEMO_ACCOUNTS.find((x) => x.username === username)!;
  return { sub: a.username, role: a.role, villages: a.villages };
};
const now = () => Math.floor(Date.now() / 1000);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const credentials: fc.Arbitrary<Credential> = fc.oneof(
  { arbitrary: fc.constantFrom(...ROLES).map((u) => ({ label: `valid ${u}`, valid: true, headers: bearer(gw.token(u)) })), weight: 6 },
  { arbitrary: fc.constantFrom(...ROLES).map((u) => ({ label: `valid ${u} review cookie`, valid: true, headers: { cookie: `${REVIEW_COOKIE}=${gw.token(u)}` } })), weight: 1 },
  { arbitrary: fc.constant({ label: 'none', valid: false, headers: {} }), weight: 2 },
  {
    arbitrary: fc.tuple(fc.constantFrom(...ROLES), fc.constantFrom(
      'expired', 'another audience', 'another issuer', 'another secret', 'alg none', 'HS512', 'tampered', 'no exp', 'no scheme', 'in a review cookie, tampered',
    )).map(([u, how]): Credential => {
      const c = claimsOf(u);
      const token = {
        expired: () => handSignedToken({ ...c, iat: now() - 700, exp: now() - 100 }),
        'another audience': () => handSignedToken({ ...c, aud: 'another-service' }),
        'another issuer': () => handSignedToken({ ...c, iss: 'someone-else' }),
        'another secret': () => handSignedToken(c, undefined, 'y'.repeat(48)),
        'alg none': () => handSignedToken(c, { alg: 'none', typ: 'JWT' }),
        HS512: () => handSignedToken(c, { alg: 'HS512', typ: 'JWT' }),
        tampered: () => { const v = gw.token(u); const i = v.length - 12; return `${v.slice(0, i)}${v[i] === 'A' ? 'B' : 'A'}${v.slice(i + 1)}`; },
        'no exp': () => handSignedToken({ ...c, exp: undefined }),
        'no scheme': () => gw.token(u),
        'in a review cookie, tampered': () => `${handSignedToken(c)}x`,
      }[how]();
      const headers = how === 'no scheme' ? { authorization: token } : how.startsWith('in a review cookie') ? { cookie: `${REVIEW_COOKIE}=${token}` } : bearer(token);
      return { label: `${how} ${u}`, valid: false, headers };
    }),
    weight: 4,
  },
  {
    arbitrary: fc.oneof(
      fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((s) => ({ authorization: s })),
      fc.string({ unit: 'grapheme-ascii', maxLength: 200 }).map((s) => bearer(s)),
      fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((s) => ({ cookie: `${REVIEW_COOKIE}=${s}` })),
      fc.constantFrom({ authorization: 'Bearer' }, { authorization: 'Bearer ' }, { authorization: 'Basic ZGVtby1vcHM6c3V0YXNvbWEtZGVtbw==' }, { authorization: 'Bearer a.b.c' }),
    ).map((headers) => ({ label: 'garbage', valid: false, headers })),
    weight: 2,
  },
);

// What the ledger and Redis hold before: every table's rows, every key under the test's prefix.
const { rows: tableRows } = await gw.db.pool.query<{ table_name: string }>(
  "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name", [gw.db.schema],
);
const tables = tableRows.map((r) => r.table_name);
const countRows = async (): Promise<Record<string, number>> => {
  const { rows } = await gw.db.pool.query(`SELECT ${tables.map((n) => `(SELECT count(*) FROM ${n})::int AS "${n}"`).join(', ')}`);
  return rows[0] as Record<string, number>;
};
// BullMQ's own bookkeeping comes and goes with no work queued: the stalled-jobs check's flag, the wake-up marker.
const housekeeping = /:(stalled-check|marker)$/;
const redisKeys = async (): Promise<Set<string>> => {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, found] = await gw.queues.redis.scan(cursor, 'MATCH', `${gw.queues.prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const k of found) if (!housekeeping.test(k)) keys.add(k);
  } while (cursor !== '0');
  return keys;
};
// The gateway's start adds its schedulers and the directory job, and creates the step-events stream: wait until that is done.
let keysBefore = await redisKeys();
for (let i = 0; i < 20; i++) {
  await sleep(300);
  const keys = await redisKeys();
  if (keys.size === keysBefore.size && [...keys].every((k) => keysBefore.has(k))) break;
  keysBefore = keys;
}
const rowsBefore = await countRows();

const sent = new Map<string, number>();
const statuses = new Map<number, number>();
let auditable = 0;
const started = Date.now();

/** Why an answer is not the refusal it must be, or null. */
function wrongAnswer(req: FuzzRequest, res: { statusCode: number; headers: Record<string, unknown>; body: string }, secured: boolean): string | null {
  if (res.statusCode >= 500) return `answered ${res.statusCode}`;
  if (res.statusCode < 400) return `accepted (${res.statusCode}) a request it must refuse`;
  const type = String(res.headers['content-type'] ?? '');
  if (!type.startsWith(PROBLEM_CONTENT_TYPE)) return `answered ${res.statusCode} as ${type || 'no content type'}, not ${PROBLEM_CONTENT_TYPE}: ${res.body.slice(0, 200)}`;
  let body: unknown;
  try { body = JSON.parse(res.body); } catch { return `answered ${res.statusCode} with a body that is not JSON`; }
  const problem = Problem.safeParse(body);
  if (!problem.success) return `answered a problem without its RFC 9457 fields: ${res.body.slice(0, 200)}`;
  if (problem.data.status !== res.statusCode) return `answered ${res.statusCode} with a problem saying ${problem.data.status}`;
  if (problem.data.code === ErrorCode.validationFailed && !(problem.data.errors?.length)) return 'answered validation_failed without naming a field';
  const wellFormedPath = !req.violations.some((v) => v === 'path' || v.startsWith('path:'));
  if (secured && !req.validCredential && wellFormedPath && res.statusCode !== 401) return `answered ${res.statusCode}, not 401, to a request with credential "${req.credential}"`;
  return null;
}

/** The smallest request fast-check found that was answered wrongly, readable, and how to run it again. */
function describeFailure(run: fc.RunDetails<[FuzzRequest]>): string {
  const req = run.counterexample?.[0];
  const cause = run.errorInstance instanceof Error ? run.errorInstance.message : String(run.errorInstance);
  if (!req) return cause;
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, v.length > 80 ? `${v.slice(0, 40)}…(${v.length})` : v]));
  const payload = req.payload === undefined ? '' : ` payload ${JSON.stringify(req.payload.length > 300 ? `${req.payload.slice(0, 300)}…(${req.payload.length})` : req.payload)}`;
  return `${cause}: ${req.method} ${req.url.length > 300 ? `${req.url.slice(0, 300)}…` : req.url} credential "${req.credential}" headers ${JSON.stringify(headers)}${payload}`
    + ` (the oracle: ${req.violations.join(', ') || 'well-formed'}); again with FUZZ_SEED=${run.seed} (path ${run.counterexamplePath})`;
}

t.test('every operation of the document has a route, and the generator can break each one', async (t) => {
  t.ok(operations.length > 0);
  for (const op of operations) {
    t.ok(gw.app.hasRoute({ method: op.method as 'GET', url: op.path.replace(/\{([^}]+)\}/g, ':$1') }), `${op.method} ${op.path} is served`);
    // A schema keyword, content type, parameter place or security scheme the generator does not know throws CannotFuzz here.
    t.doesNotThrow(() => fc.sample(generator.requests(op, credentials), { seed: SEED, numRuns: 20 }), `${op.method} ${op.path} can be broken`);
  }
});

for (const op of operations) {
  const name = `${op.method} ${op.path}`;
  t.test(`${name}: refused, as problem+json, with nothing written or queued`, async (t) => {
    const logMark = logged.length;
    const run = await fc.check(fc.asyncProperty(generator.requests(op, credentials), async (req) => {
      sent.set(name, (sent.get(name) ?? 0) + 1);
      if (req.validCredential && op.path.startsWith('/ops/')) auditable++;
      const res = await gw.app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, ...(req.payload !== undefined ? { payload: req.payload } : {}) });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const wrong = wrongAnswer(req, res, op.secured);
      if (wrong) throw new Error(wrong);
    }), { seed: SEED, numRuns: RUNS });
    t.notOk(run.failed, run.failed ? describeFailure(run) : 'every answer a 4xx problem+json');

    const rows = await countRows();
    for (const table of tables) {
      if (table === 'ops_audit') continue;
      t.equal(rows[table], rowsBefore[table], `no row added to or removed from ${table}`);
    }
    // Operators' calls are audited, refused ones too (who, what, the refusal's status): the one row a refusal may add.
    t.ok(rows['ops_audit']! - rowsBefore['ops_audit']! <= auditable, 'ops_audit: at most a row per request to /ops with a valid token');
    const { rows: audits } = await gw.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM ops_audit WHERE status IS NULL OR status < 400');
    t.equal(audits[0]!.n, 0, 'ops_audit holds refusals only: nothing replayed or discarded, no call answered 2xx');
    const keys = await redisKeys();
    t.same([...keys].filter((k) => !keysBefore.has(k)), [], `no key added under the queue prefix ${gw.queues.prefix}`);
    t.same(logged.slice(logMark).filter((l) => l.level >= 50).map((l) => `${l.msg}: ${JSON.stringify(l.err)}`), [], 'nothing logged at error level');
  });
}

// What the fuzzer found, kept as plain cases (a path the router cannot read: packages/service-kit/test/service.test.ts).
t.test('a refused operator\'s call whose body carries a NUL is still audited (PostgreSQL refuses U+0000 in text and jsonb)', async (t) => {
  const res = await gw.app.inject({
    method: 'POST', url: '/ops/jobs/replay', headers: { authorization: `Bearer ${gw.token('demo-ops')}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ reason: 'look\u0000ing', ['k\u0000ey']: 1 }),
  });
  t.equal(res.statusCode, 400);
  const rows = await waitFor(async () => (await gw.db.pool.query("SELECT reason, request, status FROM ops_audit WHERE actor = 'demo-ops' AND reason LIKE 'look%'")).rows,
    (r) => r.length > 0, { what: 'the audit row', timeoutMs: 5_000 });
  t.same(rows, [{ reason: 'look\ufffding', request: { reason: 'look\ufffding', 'k\ufffdey': 1 }, status: 400 }], 'audited, the NUL written as U+FFFD');
});

t.test('figures', async (t) => {
  t.equal(sent.size, operations.length, 'every operation of the document was sent requests');
  const total = [...sent.values()].reduce((a, b) => a + b, 0);
  t.comment(`${operations.length} operations, ${total} requests in ${((Date.now() - started) / 1000).toFixed(1)} s; answers by status: ${[...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s} × ${n}`).join(', ')}`);
  for (const [op, n] of sent) t.comment(`  ${op}: ${n}`);
});
