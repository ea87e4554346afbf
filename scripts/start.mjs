#!/usr/bin/env node
// `npm start`: installs what is missing, checks Redis and PostgreSQL, creates the database, builds
// (quick when nothing changed), then runs the gateway (which migrates), the six adapters and the
// partner simulator in demo mode, each as compiled JavaScript. Ctrl-C stops them all.
import { spawn } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { bootstrap } from './bootstrap.mjs';
import { ensureServices } from './services.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
bootstrap();
const { redisUrl, databaseUrl } = await ensureServices({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/sutasoma', allowContainers: false });

const base = { ...process.env, REDIS_URL: redisUrl, DATABASE_URL: databaseUrl, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' };
await createDatabase(databaseUrl);
// Imported only now: the build needs TypeScript, which bootstrap() has just installed on a fresh clone.
const { build } = await import('./build.mjs');
const built = build();
console.log(`build: ${built.compiled} files compiled, ${built.fresh} up to date`);

/** Creates the database named in the URL if it is missing; the gateway applies the migrations at its start. */
async function createDatabase(url) {
  const { default: pg } = await import('pg');
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/?]*(\?|$)/, '/postgres$1') });
  try {
    await admin.connect();
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      console.log(`created database ${name}`);
    }
  } catch (err) {
    console.error(`the database ${name} could not be prepared: ${err.message}`);
    process.exit(1);
  } finally {
    await admin.end().catch(() => {});
  }
}

const SIM = 'http://127.0.0.1:9090';
// Demo values only: the simulator's own credentials and the demo password. Real deployments set these.
const demoCredentials = {
  SIMLUHTAN_API_KEY: 'sim-simluhtan-key',
  EKARTUTANI_CLIENT_ID: 'sutasoma',
  EKARTUTANI_CLIENT_SECRET: 'sim-ekartutani-secret',
  BPJS_CONS_ID: 'sutasoma',
  BPJS_SECRET: 'sim-bpjs-secret',
  BANK_CLIENT_ID: 'sutasoma',
  BANK_CLIENT_SECRET: 'sim-bank-secret',
  BANK_WEBHOOK_SECRETS: `whsec_${Buffer.from('sim-bank-webhook-secret-32-bytes!!').toString('base64')}`,
  // The simulator's demo disbursement account, which claim payouts are paid from.
  BANK_PAYOUT_ACCOUNT: '9100000001',
  BPJS_WEBHOOK_SECRETS: `whsec_${Buffer.from('sim-bpjs-webhook-secret-32-bytes!!').toString('base64')}`,
  PLKK_API_KEY: 'sim-plkk-key',
  HOSPITAL_CLIENT_ID: 'sutasoma',
  HOSPITAL_CLIENT_SECRET: 'sim-hospital-secret',
  HOSPITAL_WEBHOOK_SECRETS: `whsec_${Buffer.from('sim-hospital-webhook-secret-32-bytes').toString('base64')}`,
};
// A SNAP client key pair made for this run only: the bank adapter signs, the simulated bank verifies.
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
demoCredentials.BANK_PRIVATE_KEY = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
// The personal-data keys the ledger and the queues are sealed under: PII_KEYS and PII_INDEX_KEY when
// given, else the demo's own, made at the first start and kept beside the clone (git-ignored, only
// this user may read it) for the next, whose ledger they sealed. Delete the file with the database.
function piiKeys() {
  if (process.env.PII_KEYS && process.env.PII_INDEX_KEY) return { PII_KEYS: process.env.PII_KEYS, PII_INDEX_KEY: process.env.PII_INDEX_KEY };
  const file = `${root}.demo-pii-keys.json`;
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const keys = { PII_KEYS: `demo1:${randomBytes(32).toString('base64')}`, PII_INDEX_KEY: randomBytes(32).toString('base64') };
  writeFileSync(file, `${JSON.stringify(keys)}\n`, { mode: 0o600 });
  console.log('made the demo\'s personal-data keys in .demo-pii-keys.json (delete it with the database)');
  return keys;
}
const pii = piiKeys();
// The gateway signs every step job and the adapters run none without it: JOB_SIGNING_SECRETS when given,
// else the demo's own, the same at every start (jobs left in Redis by the last run are still run).
demoCredentials.JOB_SIGNING_SECRETS = process.env.JOB_SIGNING_SECRETS ?? createHmac('sha256', pii.PII_INDEX_KEY).update('demo job signing').digest('base64url');
const services = [
  { name: 'partner-sim', port: 9090, env: { SIM_BANK_CLIENT_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString() } },
  { name: 'gateway', port: 8080, env: { JOB_SIGNING_SECRETS: demoCredentials.JOB_SIGNING_SECRETS, DEMO_MODE: 'true', DEMO_PASSWORD: process.env.DEMO_PASSWORD ?? 'sutasoma-demo', ...pii } },
  ...['simluhtan', 'ekartutani', 'bpjs', 'plkk', 'bank', 'hospital'].map((s, i) => ({
    name: `${s}-adapter`, port: 8081 + i, env: { ...demoCredentials, PII_KEYS: pii.PII_KEYS, PARTNER_BASE_URL: `${SIM}/${s}` },
  })),
];

// Logs pretty-printed for a person at a terminal; LOG_FORMAT=json keeps pino's JSON lines for tools.
const { prettyFactory } = await import('pino-pretty');
const pretty = process.env.LOG_FORMAT === 'json'
  ? (line) => line
  : (() => {
    const format = prettyFactory({ colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service,name' });
    return (line) => (line.startsWith('{') ? format(line).trimEnd() : line);
  })();
const children = [];
let stopping = false;
for (const s of services) {
  const child = spawn(process.execPath, ['--conditions=production', `services/${s.name}/dist/server.js`], {
    cwd: root,
    env: { ...base, ...s.env, PORT: String(s.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: Ctrl-C reaches only this script, which then stops each service once,
    // gracefully (a second signal would make a service exit without draining).
    detached: true,
  });
  const label = s.name.padEnd(19);
  const relay = (stream) => (chunk) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) stream.write(`${label}| ${pretty(line)}\n`);
  };
  child.stdout.on('data', relay(process.stdout));
  child.stderr.on('data', relay(process.stderr));
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${s.name} exited (${signal ?? code}); stopping everything`);
      void stop(1);
    }
  });
  children.push({ ...s, child });
}

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping…');
  for (const c of children) c.child.kill('SIGTERM');
  await Promise.race([
    Promise.all(children.map((c) => (c.child.exitCode !== null || c.child.signalCode !== null ? null : new Promise((r) => c.child.once('exit', r))))),
    sleep(15_000),
  ]);
  process.exit(code);
}
process.on('exit', () => { for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL'); });
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

const deadline = Date.now() + 60_000;
for (const c of children) {
  while (!stopping) {
    const ok = await fetch(`http://127.0.0.1:${c.port}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      console.error(`${c.name} did not answer /health within 60 s`);
      await stop(1);
    }
    await sleep(200);
  }
}
if (!stopping) {
  const pwd = process.env.DEMO_PASSWORD ?? 'sutasoma-demo';
  console.log(`
SUTASOMA is up (demo mode).
  gateway        http://127.0.0.1:8080        API docs: http://127.0.0.1:9080/docs  (OpenAPI: /openapi.json, metrics: /metrics, on the internal port)
  partner-sim    http://127.0.0.1:9090        farmers: http://127.0.0.1:9090/_sim/farmers?limit=5
  internal ports each service's port + 1000 (9080-9086): /metrics, /ready, the adapters' /breaker
  adapters       ${children.filter((c) => c.name.endsWith('-adapter')).map((c) => `${c.name.replace('-adapter', '')}:${c.port}`).join('  ')}
  demo accounts  demo-agent (every village of Lalabata), demo-supervisor, demo-ops; password: ${pwd}
  token          curl -s -X POST http://127.0.0.1:8080/v1/auth/token -H 'content-type: application/json' -d '{"username":"demo-agent","password":"${pwd}"}'
Ctrl-C stops everything.
`);
}
