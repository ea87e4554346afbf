#!/usr/bin/env node
// Makes a fresh machine ready: checks Node, finds or installs pnpm, installs the workspace.
// Plain Node on purpose: it runs before any dependency exists.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';

const root = fileURLToPath(new URL('..', import.meta.url));
const pnpmVersion = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).packageManager.split('@')[1];

function check(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'pipe', encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function ensureNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (!((major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major > 22)) {
    console.error(`Node ${process.versions.node} is too old: this project needs ^20.19.0 or >=22.12.0.`);
    process.exit(1);
  }
}

/** Returns the command that runs pnpm: the installed one, or one installed now. */
export function ensurePnpm() {
  if (check('pnpm', ['--version'])?.startsWith('10.')) return ['pnpm'];
  console.log(`pnpm ${pnpmVersion} is missing: installing it with npm…`);
  const r = spawnSync('npm', ['install', '-g', `pnpm@${pnpmVersion}`], { stdio: 'inherit' });
  if (r.status === 0 && check('pnpm', ['--version'])) return ['pnpm'];
  console.log('global install failed; using npx instead');
  return ['npx', '-y', `pnpm@${pnpmVersion}`];
}

export function installWorkspace(pnpm) {
  execFileSync(pnpm[0], [...pnpm.slice(1), 'install', '--frozen-lockfile', '--prefer-offline', '--reporter=append-only'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, CI: process.env.CI ?? '' },
  });
}

export function bootstrap() {
  ensureNode();
  const pnpm = ensurePnpm();
  installWorkspace(pnpm);
  return pnpm;
}

if (import.meta.url === `file://${process.argv[1]}`) bootstrap();
