import t from 'tap';
import { waitFor } from '@sutasoma/testing';
import { startFlow } from './flow.ts';

// Virtual accounts that expire after 3 s, and a reconciler pass every 300 ms.
const flow = await startFlow(t, { gatewayEnv: { VA_EXPIRY_S: '3', RECONCILE_EVERY_MS: '300' } });
const [farmer] = await flow.participants(1, 2000);

t.test('a virtual account never paid expires: the contribution ends expired and nothing is posted', async (t) => {
  const res = await flow.post('/v1/contributions', { kpj: farmer!.kpj, months: 1, channel: 'bank_va' });
  t.equal(res.status, 202);
  const c = await waitFor(async () => (await flow.get(`/v1/contributions/${res.body.id}`)).body, (c) => c.status === 'expired', { what: 'expiry' });
  t.equal(c.reason.code, 'va_expired');
  t.equal(((await (await flow.sim('GET', `/_sim/bpjs/contributions?kpj=${farmer!.kpj}`)).json()) as { count: number }).count, 0);
  const p = (await flow.get(`/v1/participants/${farmer!.kpj}`)).body;
  t.match(p, { status: 'pending_first_payment', monthsPaid: 0 });

  t.test('a late payment for the expired account changes nothing', async (t) => {
    const pay = await flow.sim('POST', `/_sim/bank/va/${encodeURIComponent(`   88899${c.virtualAccount.number.slice(-10)}`)}/pay`);
    t.equal(pay.status, 410, 'the bank itself refuses to take money into an expired account');
    t.equal((await flow.get(`/v1/contributions/${res.body.id}`)).body.status, 'expired');
  });

  t.test('after expiry the participant may pay again', async (t) => {
    const again = await flow.post('/v1/contributions', { kpj: farmer!.kpj, months: 1, channel: 'agent_cash' });
    t.equal(again.status, 202);
  });
});
