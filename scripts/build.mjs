#!/usr/bin/env node
// `npm run build`: compiles each workspace package's and service's src/ to dist/, the JavaScript that
// `npm start`, the benchmark, the fault harness and the images run (no TypeScript loader at run time).
// TypeScript's own transpiler, file by file: types stripped, relative `.ts` imports rewritten to `.js`,
// no source maps. Incremental: a file whose output is newer than its source is left alone, an output
// whose source is gone is deleted. It checks no types: `npm run typecheck` (and `npm test`) does.
// A compiled service runs as `node --conditions=production services/<name>/dist/server.js`: the
// packages export dist/ under the `production` condition and src/ otherwise (tests and tsx).
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const base = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;
const { options } = ts.convertCompilerOptionsFromJson({
  ...base, module: 'ESNext', moduleResolution: 'Bundler', noEmit: false, rewriteRelativeImportExtensions: true, sourceMap: false, declaration: false,
}, root);

/** Compiles one TypeScript file to `to`, unless `to` is already newer; true when it compiled. */
export function transpile(from, to) {
  if (existsSync(to) && statSync(to).mtimeMs >= statSync(from).mtimeMs) return false;
  const out = ts.transpileModule(readFileSync(from, 'utf8'), { compilerOptions: options, fileName: from, reportDiagnostics: true });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw new Error(`${relative(root, from)}: ${errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`);
  }
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, out.outputText);
  return true;
}

/** Every file under `dir`, relative to it. */
function walk(dir, prefix = '') {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(dir, join(prefix, e.name)) : [join(prefix, e.name)]);
}

/** The packages and services with a src/ (the test fixtures' package too: the harness's scripts load it). */
function workspaces() {
  return ['packages', 'services'].flatMap((group) => readdirSync(join(root, group))
    .map((name) => join(root, group, name))
    .filter((dir) => existsSync(join(dir, 'src'))));
}

/** Builds every workspace; returns how many files were compiled and how many were already up to date. */
export function build() {
  let compiled = 0;
  let fresh = 0;
  for (const dir of workspaces()) {
    const src = join(dir, 'src');
    const dist = join(dir, 'dist');
    const sources = walk(src).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
    const wanted = new Set(sources.map((f) => f.replace(/\.ts$/, '.js')));
    for (const file of sources) {
      if (transpile(join(src, file), join(dist, file.replace(/\.ts$/, '.js')))) compiled++;
      else fresh++;
    }
    if (existsSync(dist)) {
      for (const file of walk(dist)) if (!wanted.has(file)) rmSync(join(dist, file));
    }
  }
  return { compiled, fresh };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = performance.now();
  const { compiled, fresh } = build();
  console.log(`build: ${compiled} files compiled, ${fresh} up to date (${Math.round(performance.now() - started)} ms)`);
}
