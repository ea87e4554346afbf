import t from 'tap';
import { EKARTUTANI, oneFarmer, startSim } from './helpers.ts';

interface Account {
  accountNo: string;
  balance: number;
}

t.test('e-Kartu Tani credits the card\'s account once per reference; the bank shows the balance', async (t) => {
  const app = await startSim(t);
  const credit = (body: object) => app.inject({ method: 'POST', url: '/ekartutani/api/v1/kredit', headers: EKARTUTANI, payload: body });
  const accountOf = async (nik: string) => (await app.inject({ url: `/_sim/bank/accounts?nik=${nik}` })).json<{ items: Account[] }>().items[0]!;
  const code = (res: { json<T>(): T }) => res.json<{ error: { code: string } }>().error.code;

  const farmer = await oneFarmer(app, 'case=eligible&cardStatus=ACTIVE');
  const before = await accountOf(farmer.nik);
  const body = { nik: farmer.nik, amount: 2_000_000, reference: 'claim-1:ekartutani.credit_card', remark: 'santunan upah JKK' };
  const first = await credit(body);
  t.equal(first.statusCode, 200);
  t.match(first.json(), { creditId: /^KRD\d{12}$/, reference: body.reference, amount: 2_000_000, status: 'SUCCESS' });
  t.same((await credit(body)).json(), first.json(), 'the same reference: the first answer again');
  t.equal((await accountOf(farmer.nik)).balance, before.balance + 2_000_000, 'credited once');
  t.match((await app.inject({ url: `/_sim/ekartutani/credits?reference=${body.reference}` })).json(), { count: 1, items: [{ accountNo: before.accountNo, amount: 2_000_000 }] });

  const noCard = await oneFarmer(app, 'case=no_card');
  const missing = await credit({ ...body, nik: noCard.nik, reference: 'r-2' });
  t.equal(missing.statusCode, 404);
  t.equal(code(missing), 'KARTU_NOT_FOUND');
  const blocked = await oneFarmer(app, 'case=eligible&cardStatus=BLOCKED');
  const refused = await credit({ ...body, nik: blocked.nik, reference: 'r-3' });
  t.equal(refused.statusCode, 422);
  t.equal(code(refused), 'KARTU_BLOCKED');
  t.equal((await credit({ nik: farmer.nik, amount: 0, reference: '' })).statusCode, 400);
  t.equal((await app.inject({ method: 'POST', url: '/ekartutani/api/v1/kredit', headers: { ...EKARTUTANI, 'x-client-secret': 'no' }, payload: body })).statusCode, 401);
  t.equal((await app.inject({ url: '/_sim/ekartutani/credits' })).json<{ count: number }>().count, 1);
});
