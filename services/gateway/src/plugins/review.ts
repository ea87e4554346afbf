import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { KECAMATAN } from '@sutasoma/contracts';
import type { ServiceApp } from '@sutasoma/service-kit';
import { REVIEW_COOKIE } from '../routes/reports.ts';
import { escapeHtml, signInRoutes } from './sign-in.ts';

export interface ReviewPageOptions {
  /** Demo mode: the login form takes the demo accounts' names and password. */
  demoPassword: string | null;
  ttlSeconds: number;
  publicUrl: string | undefined;
}

const PUBLIC = fileURLToPath(new URL('../../public/', import.meta.url));
const require = createRequire(import.meta.url);

/** Files served as they are, read once at start: the page's own and uPlot's, from node_modules (no CDN). */
const ASSETS: Record<string, { path: string; type: string }> = {
  'review.js': { path: `${PUBLIC}review.js`, type: 'text/javascript; charset=utf-8' },
  'review.css': { path: `${PUBLIC}review.css`, type: 'text/css; charset=utf-8' },
  'uPlot.iife.min.js': { path: require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { path: require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

function loginPage(demo: boolean, error?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SUTASOMA monthly review: sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/review/assets/review.css"></head>
<body class="login"><h1>SUTASOMA monthly review</h1>${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/review/login">${demo
    ? '<label for="username">Username</label><input id="username" name="username" autocomplete="username" required><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>'
    : '<label for="token">Access token (role supervisor)</label><input id="token" name="token" type="password" required>'}
<button type="submit">Sign in</button></form></body></html>`;
}

function renderReviewPage(user: string): string {
  const options = KECAMATAN.map((k) => `<option value="${k.code}">${escapeHtml(k.bpp)}</option>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SUTASOMA monthly review</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/review/assets/uPlot.min.css"><link rel="stylesheet" href="/review/assets/review.css"></head>
<body><header><h1>SUTASOMA monthly review</h1>
<form id="pick"><label>Month <input type="month" id="period" name="period" required></label>
<label>BPP <select id="bpp" name="bpp"><option value="">All of Soppeng</option>${options}</select></label>
<a id="csv" href="#" download>Download CSV</a></form>
<form method="post" action="/review/logout" class="who"><span>${escapeHtml(user)}</span> <button type="submit">Sign out</button></form></header>
<main><p id="status" role="status">Loading…</p>
<section><h2 id="headline-title">Headline figures</h2><dl id="headline" class="cards"></dl></section>
<section><h2>Active participants and arrears, last 12 months</h2><div id="trend"></div></section>
<section><h2>BPP ranking</h2><p id="method" class="note"></p><table id="ranking"><thead><tr><th>Rank</th><th>BPP</th><th>Score</th>
<th>Coverage growth (pp)</th><th>Continuity (%)</th><th>Registrations /1,000</th></tr></thead><tbody></tbody></table></section>
<section><h2 id="units-title">By BPP</h2><table id="units"><thead></thead><tbody></tbody></table></section></main>
<script src="/review/assets/uPlot.iife.min.js"></script><script src="/review/assets/review.js"></script></body></html>`;
}

/**
 * The monthly review page at /review for supervisors (and operators): sign in with the form (or
 * a token in demo-less mode) and an HttpOnly cookie (SameSite=Strict) carries the token to the
 * page's calls of /v1/reports/* (the sign-in form is signInRoutes, shared with the ops console).
 */
export async function reviewPage(app: ServiceApp, opts: ReviewPageOptions) {
  const assets = Object.fromEntries(Object.entries(ASSETS).map(([name, a]) => [name, { body: readFileSync(a.path), type: a.type }]));

  const session = await signInRoutes(app, {
    base: '/review', cookie: REVIEW_COOKIE, cookiePath: '/', landing: '/review', roles: ['supervisor', 'ops'],
    demoPassword: opts.demoPassword, ttlSeconds: opts.ttlSeconds, loginPage, refusal: 'Wrong credentials, or not a supervisor account.', what: 'review', publicUrl: opts.publicUrl,
  });

  app.get<{ Params: { name: string } }>('/review/assets/:name', { schema: { hide: true } }, async (request, reply) => {
    const asset = assets[request.params.name];
    if (!asset) return reply.code(404).type('text/plain').send('not found');
    return reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(asset.body);
  });

  app.get('/review', { schema: { hide: true } }, async (request, reply) => {
    const principal = await session(request.cookies[REVIEW_COOKIE]);
    if (!principal) return reply.redirect('/review/login', 303);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderReviewPage(principal.sub));
  });
}
