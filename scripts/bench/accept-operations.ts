// `tsx scripts/bench/accept-operations.ts`: accept_operations alone, the statement every command is
// accepted by, on a schema of its own: BENCH_BATCHES (2,500) batches of BENCH_BATCH (8) registration-shaped
// commands, BENCH_CONNECTIONS (2) at once, after 50 batches of warm-up, on a pool planned as the
// gateway's acceptance pool is (`BENCH_PLANS=keyed`, the default) or as every other pool (`custom`).
// Prints commands per second and wall ms per command; with pg_stat_statements installed in `public`,
// also PostgreSQL's execution time per command (warm-up included). Measures; asserts nothing.
import { randomBytes, randomUUID } from 'node:crypto';
import { acceptOperations, createPool, type Acceptance } from '@sutasoma/ledger';
import { createTestSchema } from '@sutasoma/testing';

const BATCH = Number(process.env['BENCH_BATCH'] ?? 8);
const BATCHES = Number(process.env['BENCH_BATCHES'] ?? 2500);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 2);
const PLANS = process.env['BENCH_PLANS'] === 'custom' ? 'custom' : 'keyed';
const WARMUP = 50;
const STEPS = ['simluhtan.verify_membership', 'ekartutani.lookup_card', 'bpjs.register_participant'];
const sealed = `v1:k1:${randomBytes(400).toString('base64url')}`;

/** A registration as the gateway accepts one: its request and first job sealed, three steps, one job. */
function registration(): Acceptance {
  const id = randomUUID();
  return {
    key: { principal: 'bench-agent', scope: 'POST /v1/registrations', key: randomUUID() },
    requestHash: randomBytes(32).toString('base64url'),
    op: {
      id, kind: 'registration', agentId: 'bench-agent', villageCode: '7312022001', nikIndex: randomBytes(32).toString('base64url'), correlationId: `req-${id}`,
      request: { villageCode: '7312022001', declaredMonthlyIncome: 1000000, pii: sealed },
      steps: STEPS.map((step, seq) => ({ step, system: step.split('.')[0]!, seq, idempotencyKey: `${id}:${step}` })),
      outbox: [{ queue: 'simluhtan', name: STEPS[0]!, jobId: `${id}.${STEPS[0]}`, payload: { operationId: id, input: { pii: sealed }, sig: randomBytes(32).toString('base64url') } }],
      event: { kind: 'accepted', detail: { agent: 'bench-agent', village: '7312022001' } },
    },
  };
}
const batch = () => Array.from({ length: BATCH }, registration);

const db = await createTestSchema();
const pool = createPool({ connectionString: db.databaseUrl, schema: db.schema, max: CONNECTIONS, plans: PLANS });
try {
  const stats = await pool.query('SELECT public.pg_stat_statements_reset()').then(() => true, () => false);
  for (let i = 0; i < WARMUP; i++) await acceptOperations(pool, batch());
  let sent = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (sent < BATCHES) {
      sent++;
      await acceptOperations(pool, batch());
    }
  }));
  const ms = performance.now() - started;
  const commands = BATCHES * BATCH;
  let line = `plans ${PLANS}, ${BATCHES} batches of ${BATCH}, ${CONNECTIONS} connections: ${Math.round(commands / (ms / 1000))} commands/s, ${(ms / commands).toFixed(3)} ms wall per command`;
  if (stats) {
    const { rows } = await pool.query<{ ms: number }>("SELECT sum(total_exec_time)::float8 AS ms FROM public.pg_stat_statements WHERE query LIKE 'SELECT * FROM accept_operations%'");
    line += `; PostgreSQL ${(rows[0]!.ms / ((BATCHES + WARMUP) * BATCH)).toFixed(3)} ms of execution per command (warm-up included)`;
  } else {
    line += ' (pg_stat_statements not installed: no execution time)';
  }
  console.log(line);
} finally {
  await pool.end();
  await db.drop();
}
