import t from 'tap';
import type { ServiceApp } from '@sutasoma/service-kit';
import { jakartaTimestamp as jakartaNow } from '../src/systems/bank-snap.ts';
import { bankClient, newExternalId, oneFarmer, startSim } from './helpers.ts';

const TRANSFER = '/bank/v1.0/transfer-interbank';
const PAYOUT_ACCOUNT = '9100000001';
const HOSPITAL_ACCOUNT = '1269990000001';

interface Account {
  accountNo: string;
  kind: string;
  bank: { kode: string } | null;
  balance: number | null;
}

const accountOf = async (app: ServiceApp, q: string) => (await app.inject({ url: `/_sim/bank/accounts?${q}` })).json<{ items: Account[] }>().items[0]!;
const transfers = async (app: ServiceApp, q = '') => (await app.inject({ url: `/_sim/bank/transfers?${q}` })).json<{ count: number; items: { referenceNo: string; amount: number }[] }>();

function transferBody(over: Record<string, unknown> = {}) {
  return {
    partnerReferenceNo: '00000000000000000000000000001', amount: { value: '3250000.00', currency: 'IDR' },
    beneficiaryAccountNo: HOSPITAL_ACCOUNT, beneficiaryAccountName: 'RS Uji Soppeng', beneficiaryBankCode: '126',
    sourceAccountNo: PAYOUT_ACCOUNT, transactionDate: jakartaNow(), remark: 'klaim JKK biaya RS', ...over,
  };
}

t.test('a transfer pays once per partnerReferenceNo, and the beneficiary\'s balance shows it', async (t) => {
  const app = await startSim(t);
  const bank = await bankClient(app);
  const opened = await app.inject({ method: 'POST', url: '/_sim/bank/accounts', payload: { accountNo: HOSPITAL_ACCOUNT, bankCode: '126', holderName: 'RS Uji Soppeng' } });
  t.equal(opened.statusCode, 201, 'a hospital\'s account');

  const body = transferBody();
  const externalId = newExternalId();
  const first = await bank.call(TRANSFER, body, { externalId });
  t.equal(first.status, 200);
  t.match(first.body, { responseCode: '2001800', referenceNo: /^\d{16}$/, partnerReferenceNo: body.partnerReferenceNo, amount: { value: '3250000.00' } });
  t.same((await bank.call(TRANSFER, body, { externalId })).body, first.body, 'the same X-EXTERNAL-ID: the first answer');
  const nextDay = await bank.call(TRANSFER, { ...body, transactionDate: jakartaNow() }, { externalId: newExternalId() });
  t.equal(nextDay.status, 200, 'a new X-EXTERNAL-ID (a retry another day), the same partnerReferenceNo');
  t.equal(nextDay.body['referenceNo'], first.body['referenceNo'], 'the original transfer, not a second one');
  const conflict = await bank.call(TRANSFER, { ...body, amount: { value: '3250001.00', currency: 'IDR' } }, { externalId: newExternalId() });
  t.equal(conflict.status, 409);
  t.equal(conflict.body.responseCode, '4091801', 'another body under the same reference');

  t.equal((await accountOf(app, `accountNo=${HOSPITAL_ACCOUNT}`)).balance, 3_250_000, 'credited once');
  t.match(await transfers(app, `partnerReferenceNo=${body.partnerReferenceNo}`), { count: 1, items: [{ referenceNo: first.body['referenceNo'], amount: 3_250_000 }] });
});

t.test('to a farmer\'s card account at its own bank; refusals by SNAP code', async (t) => {
  const app = await startSim(t);
  const bank = await bankClient(app);
  await app.inject({ method: 'POST', url: '/_sim/bank/accounts', payload: { accountNo: HOSPITAL_ACCOUNT, bankCode: '126', holderName: 'RS Uji Soppeng' } });
  const farmer = await oneFarmer(app, 'case=eligible&cardStatus=ACTIVE&funds=enough');
  const account = await accountOf(app, `nik=${farmer.nik}`);
  const pay = await bank.call(TRANSFER, transferBody({
    partnerReferenceNo: 'ref-farmer-1', beneficiaryAccountNo: account.accountNo, beneficiaryBankCode: account.bank!.kode,
    beneficiaryAccountName: farmer.fullName, amount: { value: '2000000.00', currency: 'IDR' },
  }));
  t.equal(pay.status, 200);
  t.equal((await accountOf(app, `nik=${farmer.nik}`)).balance, account.balance! + 2_000_000);

  const otherBank = account.bank!.kode === '002' ? '009' : '002';
  const wrongBank = await bank.call(TRANSFER, transferBody({ partnerReferenceNo: 'ref-2', beneficiaryAccountNo: account.accountNo, beneficiaryBankCode: otherBank }));
  t.equal(wrongBank.status, 404);
  t.equal(wrongBank.body.responseCode, '4041811', 'no such account at that bank');
  const unknown = await bank.call(TRANSFER, transferBody({ partnerReferenceNo: 'ref-3', beneficiaryAccountNo: '1234567' }));
  t.equal(unknown.body.responseCode, '4041811');

  const poor = await oneFarmer(app, 'case=eligible&cardStatus=ACTIVE&funds=low');
  const poorAccount = await accountOf(app, `nik=${poor.nik}`);
  const short = await bank.call(TRANSFER, transferBody({ partnerReferenceNo: 'ref-4', sourceAccountNo: poorAccount.accountNo }));
  t.equal(short.status, 403);
  t.equal(short.body.responseCode, '4031814', 'insufficient funds of the source account');
  const noSource = await bank.call(TRANSFER, transferBody({ partnerReferenceNo: 'ref-5', sourceAccountNo: '1234567' }));
  t.equal(noSource.body.responseCode, '4031818');
  const bad = await bank.call(TRANSFER, transferBody({ partnerReferenceNo: 'ref-6', beneficiaryBankCode: 'BRI' }));
  t.equal(bad.body.responseCode, '4001801');
  t.equal((await transfers(app)).count, 1, 'only the transfer made is listed');
  t.equal((await accountOf(app, `nik=${poor.nik}`)).balance, poorAccount.balance, 'nothing taken');
});

t.test('PLKK facilities hold accounts; another institution account can be opened for a test, once', async (t) => {
  const app = await startSim(t);
  const open = (accountNo: string) => app.inject({ method: 'POST', url: '/_sim/bank/accounts', payload: { accountNo, bankCode: '002', holderName: 'RS Uji' } });
  t.equal((await open('0021234567')).statusCode, 201);
  t.equal((await open('0021234567')).statusCode, 409);
  t.match(await accountOf(app, 'accountNo=0021234567'), { kind: 'institution', balance: 0 });
  t.match(await accountOf(app, 'accountNo=1260073120001'), { kind: 'institution', bank: { kode: '126' }, holderName: 'RSUD Latemmamala Soppeng', balance: 0 },
    'every PLKK facility has its account, where hospital bills are paid');
});
