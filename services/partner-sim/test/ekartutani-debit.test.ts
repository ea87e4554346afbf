import t from 'tap';
import { EKARTUTANI, bankClient, DEBIT, oneFarmer, startSim } from './helpers.ts';

interface Account {
  accountNo: string;
  balance: number;
}

t.test('e-Kartu Tani debits the card\'s account once per reference', async (t) => {
  const app = await startSim(t);
  const debit = (body: object, headers: Record<string, string> = EKARTUTANI) =>
    app.inject({ method: 'POST', url: '/ekartutani/api/v1/debit', headers, payload: body });
  const accountOf = async (nik: string) => (await app.inject({ url: `/_sim/bank/accounts?nik=${nik}` })).json<{ items: Account[] }>().items[0]!;

  const farmer = await oneFarmer(app, 'case=eligible&cardStatus=ACTIVE&funds=enough');
  const before = await accountOf(farmer.nik);
  const card = (await app.inject({ url: `/ekartutani/api/v1/kartu?nik=${farmer.nik}`, headers: EKARTUTANI })).json<{ kartu: { bank: { kode: string }; nomorRekening: string } }>().kartu;
  t.equal(card.nomorRekening, before.accountNo, 'the account linked to the card');

  const first = await debit({ nik: farmer.nik, amount: 33_600, reference: 'ekt-ref-1' });
  t.equal(first.statusCode, 200);
  const body = first.json<{ debitId: string }>();
  t.same(body, { debitId: body.debitId, reference: 'ekt-ref-1', amount: 33_600, bank: { kode: card.bank.kode }, status: 'SUCCESS' });
  t.match(body.debitId, /^DBT\d{12}$/);
  const again = await debit({ nik: farmer.nik, amount: 33_600, reference: 'ekt-ref-1' });
  t.equal(again.statusCode, 200);
  t.same(again.json(), body, 'the same reference: the first answer again');
  t.equal((await accountOf(farmer.nik)).balance, before.balance - 33_600, 'debited once');
  t.equal((await app.inject({ url: '/_sim/ekartutani/debits?reference=ekt-ref-1' })).json<{ count: number }>().count, 1);

  // The bank sees the same account and the same balance.
  const bank = await bankClient(app);
  const viaBank = await bank.call(DEBIT, { partnerReferenceNo: 'bank-ref-1', sourceAccountNo: before.accountNo, amount: { value: '16800.00', currency: 'IDR' } });
  t.equal(viaBank.status, 200);
  t.equal((await accountOf(farmer.nik)).balance, before.balance - 33_600 - 16_800, 'one balance for both');

  t.equal((await debit({ nik: farmer.nik, amount: 1, reference: 'ekt-ref-x' }, { ...EKARTUTANI, 'x-client-secret': 'wrong' })).statusCode, 401);
  const bad = await debit({ nik: farmer.nik, amount: 16_800.5, reference: '' });
  t.equal(bad.statusCode, 400);
  t.match(bad.json<{ error: { code: string; message: string } }>().error, { code: 'BAD_REQUEST', message: /amount: .*reference: /s });
});

t.test('no card, a blocked card, too little money', async (t) => {
  const app = await startSim(t);
  const debit = (body: object) => app.inject({ method: 'POST', url: '/ekartutani/api/v1/debit', headers: EKARTUTANI, payload: body });
  const code = (res: { json<T>(): T }) => res.json<{ error: { code: string } }>().error.code;

  const noCard = await oneFarmer(app, 'case=no_card');
  const missing = await debit({ nik: noCard.nik, amount: 16_800, reference: 'ekt-ref-2' });
  t.equal(missing.statusCode, 404);
  t.equal(code(missing), 'KARTU_NOT_FOUND');

  const blocked = await oneFarmer(app, 'case=eligible&cardStatus=BLOCKED&funds=enough');
  const refused = await debit({ nik: blocked.nik, amount: 16_800, reference: 'ekt-ref-3' });
  t.equal(refused.statusCode, 422);
  t.equal(code(refused), 'KARTU_BLOCKED');

  const poor = await oneFarmer(app, 'case=eligible&cardStatus=ACTIVE&funds=low');
  const short = await debit({ nik: poor.nik, amount: 16_800, reference: 'ekt-ref-4' });
  t.equal(short.statusCode, 422);
  t.equal(code(short), 'SALDO_TIDAK_CUKUP');
  t.equal(code(await debit({ nik: poor.nik, amount: 1, reference: 'ekt-ref-4' })), 'SALDO_TIDAK_CUKUP', 'a reference keeps its first answer');
  t.equal((await app.inject({ url: '/_sim/ekartutani/debits' })).json<{ count: number }>().count, 0, 'nothing debited');
});
