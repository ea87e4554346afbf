import t from 'tap';
import { kecamatanByName, todayInSoppeng } from '@sutasoma/contracts';
import { waitFor } from '@sutasoma/testing';
import { startFlow } from './flow.ts';
import { openBrowser } from './browser.ts';

// The whole system: the simulator's farmers registered and paying through the public API, Simluhtan's
// directory brought to the gateway by the simluhtan adapter, and the review page in the system's Chromium.
// The current month computed at each read: the page must show the registrations just made.
const flow = await startFlow(t, { adapterEnv: { RETRY_BASE_MS: '50', RETRY_MAX_MS: '100' }, gatewayEnv: { DEMO_MODE: 'true', DEMO_PASSWORD: 'sutasoma-demo', LIVE_REPORT_CACHE_MS: '0' } });
const supervisor = flow.token('demo-supervisor');
const period = todayInSoppeng().slice(0, 7);
const lalabata = kecamatanByName('Lalabata')!.code;

t.test('Simluhtan\'s farmer-group directory reaches the gateway through the adapter\'s queue', async (t) => {
  const groups = await waitFor(
    async () => (await flow.db.pool.query<{ n: string; members: string }>('SELECT count(*) AS n, COALESCE(sum(member_count), 0) AS members FROM simluhtan_groups')).rows[0]!,
    (r) => Number(r.n) >= 892, { timeoutMs: 30_000, what: 'the directory to be read' },
  );
  t.equal(Number(groups.n), 892, 'the 892 farmer groups of Soppeng');
  const report = (await flow.get(`/v1/reports/monthly?period=${period}&level=bpp`, supervisor)).body;
  t.equal(report.totals.listedFarmers, Number(groups.members), 'the listed farmers are their members');
  t.ok(report.directoryAsOf, 'the report says when the counts were read');
});

t.test('in a browser, a supervisor signs in, opens /review, picks the month and Lalabata, and reads the totals the API gives', async (t) => {
  // A demo agent's morning: four farmers registered, three of them paying two months in cash.
  const farmers = await flow.participants(4, 40);
  for (const f of farmers.slice(0, 3)) {
    const res = await flow.post('/v1/contributions', { kpj: f.kpj, months: 2, channel: 'agent_cash' });
    await waitFor(async () => (await flow.get(`/v1/contributions/${res.body.id}`)).body, (c) => c.status === 'posted', { timeoutMs: 30_000, what: 'a contribution to post' });
  }
  const api = (await flow.get(`/v1/reports/monthly?period=${period}&level=village&bpp=${lalabata}`, supervisor)).body;
  t.ok(api.totals.registrations >= 4, `the API counts the registrations (${JSON.stringify(api.totals)})`);
  t.ok(api.totals.contributions >= 3);

  const address = await flow.app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await openBrowser(t);
  const context = await browser.newContext();
  // No external network: every asset must come from the gateway itself.
  const external: string[] = [];
  await context.route('**/*', (route) => {
    if (new URL(route.request().url()).host !== new URL(address).host) { external.push(route.request().url()); return route.abort(); }
    return route.continue();
  });
  const page = await context.newPage();
  await page.goto(`${address}/review`);
  t.match(page.url(), /\/review\/login$/, 'sent to sign in first');
  await page.fill('#username', 'demo-agent');
  await page.fill('#password', 'sutasoma-demo');
  await page.click('button[type=submit]');
  await page.getByRole('alert').waitFor();
  t.match(await page.textContent('[role=alert]'), /not a supervisor/, 'an agent may not open the review');
  await page.fill('#username', 'demo-supervisor');
  await page.fill('#password', 'sutasoma-demo');
  await Promise.all([page.waitForURL(/\/review$/), page.click('button[type=submit]')]);

  await page.fill('#period', period);
  await page.selectOption('#bpp', lalabata);
  await page.waitForSelector(`body[data-loaded="${period}|${lalabata}"]`, { timeout: 30_000 });
  for (const field of ['registrations', 'activeParticipants', 'contributions', 'contributionsAmount', 'inArrears', 'lapsed', 'agentFees']) {
    t.equal(await page.getAttribute(`#fig-${field}`, 'data-value'), String(api.totals[field]), `${field} on the page is the API's`);
  }
  t.equal(await page.textContent('#fig-contributionsAmount'), new Intl.NumberFormat('en-US').format(api.totals.contributionsAmount), 'shown as rupiah');
  t.equal(await page.locator('#ranking tbody tr').count(), 8, 'the ranking table has the 8 BPP');
  const ranking = (await flow.get(`/v1/reports/ranking?period=${period}`, supervisor)).body;
  t.equal(await page.locator('#ranking tbody tr').first().getAttribute('data-bpp'), ranking.entries[0].bpp, 'in the API\'s order');
  t.equal(await page.locator('#trend canvas').count(), 1, 'the 12-month chart is drawn');
  t.equal(await page.locator('#units tbody tr').count(), api.rows.length, 'a row per village of Lalabata');

  const href = await page.getAttribute('#csv', 'href');
  const csv = await page.request.get(`${address}${href}`);
  t.match(csv.headers()['content-type'], /^text\/csv/);
  const lines = (await csv.text()).replace(/^\uFEFF/, '').trimEnd().split('\r\n').map((l) => l.split(','));
  const header = lines[0]!;
  const total = lines.find((l) => l[2] === 'TOTAL')!;
  t.equal(Number(total[header.indexOf('registrations')]), api.totals.registrations, 'the CSV download has the same totals');
  t.equal(Number(total[header.indexOf('contributionsAmount')]), api.totals.contributionsAmount);
  t.same(external, [], 'no request left the gateway (no CDN)');
});
