import t from 'tap';
import { waitFor } from '@sutasoma/testing';
import { startFlow } from './flow.ts';

const flow = await startFlow(t, { adapterEnv: { LOG_LEVEL: 'debug' } });

t.test('an eligible farmer is registered at BPJS with a KPJ, group, extension worker and card', async (t) => {
  const [farmer] = await flow.farmers('eligible', 1);
  const { id, status } = await flow.register(farmer!);
  t.equal(status, 202);
  const reg = await flow.settled(id);
  t.equal(reg.status, 'registered');
  t.match(reg.kpj, /^\d{11}$/);
  t.match(reg, { participantStatus: 'pending_first_payment', reason: null, farmer: { farmerGroup: { id: /^PKT-/ }, extensionWorker: { name: String }, card: { found: true } } });
  t.same(reg.steps.map((s) => [s.name, s.state, s.attempts]), [
    ['simluhtan.verify_membership', 'succeeded', 1],
    ['ekartutani.lookup_card', 'succeeded', 1],
    ['bpjs.register_participant', 'succeeded', 1],
  ]);
  t.equal(await flow.participantsAtBpjs(farmer!.nik), 1);
  const events = await flow.db.pool.query('SELECT kind FROM operation_events WHERE operation_id = $1 ORDER BY id', [id]);
  t.same(events.rows.map((r) => r.kind), ['accepted', 'step_succeeded', 'status_changed', 'step_succeeded', 'step_succeeded', 'status_changed']);
});

t.test('a farmer without a farmer card is still registered; the missing card is recorded', async (t) => {
  const [farmer] = await flow.farmers('no_card', 1);
  const reg = await flow.settled((await flow.register(farmer!)).id);
  t.equal(reg.status, 'registered');
  t.same(reg.farmer.card, { found: false });
});

t.test('a farmer Simluhtan does not know ends rejected (not failed), and BPJS is never asked', async (t) => {
  const [farmer] = await flow.farmers('no_group', 1);
  const reg = await flow.settled((await flow.register(farmer!)).id);
  t.equal(reg.status, 'rejected');
  t.equal(reg.reason?.code, 'not_in_farmer_group');
  t.same(reg.steps.map((s) => s.state), ['rejected', 'pending', 'pending']);
  t.equal(await flow.participantsAtBpjs(farmer!.nik), 0);
});

t.test('a farmer who is already a BPJS participant ends rejected with already_participant', async (t) => {
  const [farmer] = await flow.farmers('already_participant', 1);
  const reg = await flow.settled((await flow.register(farmer!)).id);
  t.equal(reg.status, 'rejected');
  t.equal(reg.reason?.code, 'already_participant');
  t.equal(await flow.participantsAtBpjs(farmer!.nik), 1, 'still exactly the one participant BPJS had');
});

t.test('a retried request with the same key registers the farmer once', async (t) => {
  const [, farmer] = await flow.farmers('eligible', 2, 10);
  const first = await flow.register(farmer!, 'same-visit-retry-1');
  const again = await flow.register(farmer!, 'same-visit-retry-1');
  t.equal(again.id, first.id);
  t.equal((await flow.settled(first.id)).status, 'registered');
  t.equal(await flow.participantsAtBpjs(farmer!.nik), 1);
});

t.test('an operator can follow one registration through every adapter\'s log, and no log shows the farmer\'s NIK or name', async (t) => {
  const [farmer] = await flow.farmers('eligible', 1, 500);
  const { id } = await flow.register(farmer!);
  t.equal((await flow.settled(id)).status, 'registered');
  for (const adapter of [flow.partners.adapters.simluhtan, flow.partners.adapters.ekartutani, flow.partners.adapters.bpjs]) {
    // An adapter logs "step done" after it published the event the gateway settled on, and its output
    // reaches this process through a pipe: wait for that last line of the step, then read everything.
    await waitFor(async () => adapter.output(), (out) => out.split('\n').some((l) => l.includes(id) && l.includes('"step done"')),
      { what: `${adapter.name}'s "step done" line for ${id}` });
    const lines = adapter.output().split('\n').filter((l) => l.includes(id));
    t.ok(lines.length >= 1, `${adapter.name} logged the registration's operationId`);
    t.ok(lines.every((l) => JSON.parse(l).correlationId), `${adapter.name} lines carry the correlation id`);
    t.notOk(adapter.output().includes(farmer!.nik), `${adapter.name} never logs the NIK`);
    t.notOk(adapter.output().includes(farmer!.fullName), `${adapter.name} never logs the name`);
  }
});
