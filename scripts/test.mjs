#!/usr/bin/env node
// `npm test`: installs what is missing, then type check, lint and every test against real Redis
// and PostgreSQL. Ends with one line: "N passed, N failed".
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bootstrap } from './bootstrap.mjs';
import { ensureServices } from './services.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const pnpm = bootstrap();
const services = await ensureServices({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/test', allowContainers: true });
const env = { ...process.env, REDIS_URL: services.redisUrl, DATABASE_URL: services.databaseUrl };

// The browser test drives the system's Chromium (Debian's package); install it when it is missing.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  const root = process.getuid?.() === 0;
  console.log(`Chromium is missing at ${chromium}: ${root ? 'installing Debian\'s chromium package…' : 'install it (apt-get install chromium) or set CHROMIUM_PATH'}`);
  if (root) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
}

function step(name, cmd, args) {
  console.log(`\n== ${name}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  return r.status === 0;
}

const checks = {
  // The fault harness runs the services compiled, as npm start and the images do.
  build: step('build (compiled JavaScript of every package and service)', 'node', ['scripts/build.mjs']),
  typecheck: step('type check (tsc --noEmit, every package)', pnpm[0], [...pnpm.slice(1), '-r', '--workspace-concurrency=2', 'typecheck']),
  scripts: step('type check (scripts)', 'node_modules/.bin/tsc', ['-p', 'scripts/tsconfig.json']),
  lint: step('lint', 'node_modules/.bin/eslint', ['--max-warnings=0', '.']),
};

const testFiles = ['packages', 'services'].flatMap((dir) =>
  readdirSync(`${root}${dir}`).flatMap((pkg) => {
    const t = `${dir}/${pkg}/test`;
    return existsSync(`${root}${t}`) ? readdirSync(`${root}${t}`).filter((f) => f.endsWith('.test.ts')).map((f) => `${t}/${f}`) : [];
  }),
);
// The fault harness runs a whole system of processes against deadlines: it runs alone, after the
// others, so that no other test file shares the two cores with it.
const ALONE = ['services/gateway/test/chaos.test.ts'];

/** Runs tap on `files`; resolves to its exit code and its closing counts (null when it printed none). */
async function tap(files, jobs) {
  const child = spawn('node_modules/.bin/tap', [`--jobs=${jobs}`, ...files], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let tail = '';
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    tail = (tail + chunk.toString()).slice(-4000);
  });
  const code = await new Promise((resolve) => child.on('close', resolve));
  const summary = [...tail.matchAll(/# \{ total: (\d+), pass: (\d+)(?:, fail: (\d+))?/g)].pop();
  return { code, counts: summary ? { total: Number(summary[1]), passed: Number(summary[2]) } : null };
}

const together = testFiles.filter((f) => !ALONE.includes(f));
const alone = testFiles.filter((f) => ALONE.includes(f));
console.log(`\n== tests (${together.length} files, two at a time)`);
const runs = [await tap(together, 2)];
if (alone.length > 0) {
  console.log(`\n== tests run alone (${alone.join(', ')})`);
  runs.push(await tap(alone, 1));
}
await services.stop();

const passed = runs.reduce((n, r) => n + (r.counts?.passed ?? 0), 0);
// A run that printed no counts failed as a whole: count it as one failure.
const failedTests = runs.reduce((n, r) => n + (r.counts ? r.counts.total - r.counts.passed : 1), 0);
const failedChecks = Object.entries(checks).filter(([, ok]) => !ok).map(([n]) => n);
if (failedChecks.length > 0) console.log(`\nfailed checks: ${failedChecks.join(', ')}`);
console.log(`\n${passed} passed, ${failedTests + failedChecks.length} failed`);
process.exit(runs.every((r) => r.code === 0 && r.counts) && failedChecks.length === 0 ? 0 : 1);
