import t from 'tap';
import { waitFor } from '@sutasoma/testing';
import { startFlow } from './flow.ts';

// Virtual accounts that expire after 10 s, and a reconciler pass every 300 ms. The bank must have
// opened the account before it expires, through the relay, the bank adapter and the simulator: 3 s
// was within reach of a busy machine, and the contribution then expired with no account to pay into.
const flow = await startFlow(t, { gatewayEnv: { VA_EXPIRY_S: '10', RECONCILE_EVERY_MS: '300' } });
const [farmer] = await flow.participants(1, 2000);

t.test('a virtual account never paid expires: the contribution ends expired and nothing is posted', async (t) => {
  const res = await flow.post('/v1/contributions', { kpj: farmer!.kpj, months: 1, channel: 'bank_va' });
  t.equal(res.status, 202);
  const contribution = async () => (await flow.get(`/v1/contributions/${res.body.id}`)).body;
  const waiting = await waitFor(contribution, (c) => c.status !== 'accepted', { what: 'the virtual account' });
  t.equal(waiting.status, 'awaiting_payment', 'the bank opened the account before it expired');
  const c = await waitFor(contribution, (c) => c.status === 'expired', { timeoutMs: 60_000, what: 'expiry' });
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
