import t from 'tap';
import type { ServiceApp } from '@sutasoma/service-kit';
import { bankClient, farmers, startSim } from './helpers.ts';

const INQUIRY = '/bank/v1.0/account-inquiry-external';
const TRANSFER = '/bank/v1.0/transfer-interbank';

interface Account { accountNo: string; kind: string; bank: { kode: string } | null; holderName: string }
const accountOf = async (app: ServiceApp, q: string) => (await app.inject({ url: `/_sim/bank/accounts?${q}` })).json<{ items: Account[] }>().items[0]!;

t.test('account inquiry (SNAP service 16): the holder\'s name as the bank records it, for farmers, agents and institutions', async (t) => {
  const app = await startSim(t);
  const bank = await bankClient(app);
  // A farmer named Muhammad: bank records shorten it, and write names in capitals.
  const farmer = (await farmers(app, 'case=eligible&cardStatus=ACTIVE&limit=1000')).find((f) => f.fullName.startsWith('Muhammad '))!;
  const account = await accountOf(app, `nik=${farmer.nik}`);
  const res = await bank.call(INQUIRY, { beneficiaryBankCode: account.bank!.kode, beneficiaryAccountNo: account.accountNo, partnerReferenceNo: '1' });
  t.equal(res.status, 200);
  t.match(res.body, {
    responseCode: '2001600', referenceNo: /^\d{16}$/, partnerReferenceNo: '1', beneficiaryAccountNo: account.accountNo,
    beneficiaryAccountName: farmer.fullName.toUpperCase().replace('MUHAMMAD', 'MUH.'), currency: 'IDR',
  });

  const agent = await bank.call(INQUIRY, { beneficiaryBankCode: '002', beneficiaryAccountNo: '9001000001' });
  t.equal(agent.status, 200, 'an agent collection account has a holder too');
  const again = await bank.call(INQUIRY, { beneficiaryBankCode: '002', beneficiaryAccountNo: '9001000001' });
  t.equal(again.body['beneficiaryAccountName'], agent.body['beneficiaryAccountName'], 'the same holder every time');
  t.notMatch(String(agent.body['beneficiaryAccountName']), farmer.fullName.toUpperCase());

  await app.inject({ method: 'POST', url: '/_sim/bank/accounts', payload: { accountNo: '0021203850002', bankCode: '002', holderName: 'La Tenri' } });
  t.match((await bank.call(INQUIRY, { beneficiaryBankCode: '002', beneficiaryAccountNo: '0021203850002' })).body, { beneficiaryAccountName: 'La Tenri' });

  const unknown = await bank.call(INQUIRY, { beneficiaryBankCode: '002', beneficiaryAccountNo: '0020000000' });
  t.same([unknown.status, unknown.body['responseCode']], [404, '4041611'], 'an account nobody holds');
  const otherBank = await bank.call(INQUIRY, { beneficiaryBankCode: '009', beneficiaryAccountNo: '0021203850002' });
  t.equal(otherBank.status, 404, 'an account at another bank than the code given');
  const bad = await bank.call(INQUIRY, { beneficiaryBankCode: '002' });
  t.same([bad.status, bad.body['responseCode']], [400, '4001602'], 'the account number is mandatory');

  const inquiries = (await app.inject({ url: '/_sim/bank/inquiries?beneficiaryAccountNo=0020000000' })).json<{ count: number; items: { found: boolean }[] }>();
  t.same(inquiries.items.map((q) => q.found), [false], 'the simulator lists the inquiries it answered');
});

t.test('a fault aimed at the inquiry\'s path fails the inquiry alone; transfers go on', async (t) => {
  const app = await startSim(t);
  const bank = await bankClient(app);
  const set = await app.inject({ method: 'POST', url: '/_sim/faults', payload: { system: 'bank', mode: 'error', status: 503, path: '/v1.0/account-inquiry-external' } });
  t.equal(set.statusCode, 201);
  t.equal((await bank.call(INQUIRY, { beneficiaryBankCode: '126', beneficiaryAccountNo: '1260073120001' })).status, 503);
  const paid = await bank.call(TRANSFER, {
    partnerReferenceNo: '42', amount: { value: '1000.00', currency: 'IDR' }, beneficiaryAccountNo: '1260073120001', beneficiaryAccountName: 'RSUD Latemmamala Soppeng',
    beneficiaryBankCode: '126', sourceAccountNo: '9100000001', transactionDate: new Date().toISOString().slice(0, 19) + 'Z',
  });
  t.equal(paid.status, 200, 'the transfer is not hit');
  await app.inject({ method: 'DELETE', url: '/_sim/faults' });
  t.match((await bank.call(INQUIRY, { beneficiaryBankCode: '126', beneficiaryAccountNo: '1260073120001' })).body, { beneficiaryAccountName: 'RSUD Latemmamala Soppeng' });
});
