import t from 'tap';
import { PII_TEST_ENV, SIM_CREDENTIALS, bankKeyPair, createTestPrefix, startServiceProcess, stepDriver, testRedisUrl, waitFor } from '@sutasoma/testing';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const keys = bankKeyPair();
const queues = createTestPrefix();
const sim = await startServiceProcess({ service: 'partner-sim', env: { SIM_BANK_CLIENT_PUBLIC_KEY: keys.publicKey } });
const app = await buildApp(loadConfig({
  ...SIM_CREDENTIALS, ...PII_TEST_ENV, BANK_PRIVATE_KEY: keys.privateKey, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: queues.prefix, LOG_LEVEL: 'silent',
  PARTNER_BASE_URL: `${sim.url}/bank`, RETRY_BASE_MS: '100', RETRY_MAX_MS: '300', RETRY_ATTEMPTS: '100', BREAKER_VOLUME: '1000',
}));
await app.ready();
const steps = stepDriver(queues, 'bank', { timeoutMs: 25_000 });
t.teardown(async () => {
  await app.close();
  await steps.close();
  await sim.kill();
  await queues.cleanup();
});

const simCall = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${sim.url}${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  return res.status === 204 ? null : res.json();
};

interface Account { accountNo: string; bank: { kode: string }; balance: number }
const account = async (q: string) => ((await simCall('GET', `/_sim/bank/accounts?${q}`)) as { items: Account[] }).items[0]!;
const transfersOf = async (ref: string) => ((await simCall('GET', `/_sim/bank/transfers?beneficiaryAccountNo=${ref}`)) as { count: number; items: { referenceNo: string; sourceAccountNo: string }[] });
const inquiriesOf = async (accountNo: string) => ((await simCall('GET', `/_sim/bank/inquiries?beneficiaryAccountNo=${accountNo}`)) as { count: number }).count;
const eligible = async (offset: number) => ((await simCall('GET', `/_sim/farmers?case=eligible&cardStatus=ACTIVE&limit=1&offset=${offset}`)) as { items: { nik: string; fullName: string }[] }).items[0]!;

t.test('a benefit paid to the farmer\'s account once, even when the step runs again', async (t) => {
  const { items: [farmer] } = await simCall('GET', '/_sim/farmers?case=eligible&cardStatus=ACTIVE&limit=1&offset=3') as { items: { nik: string; fullName: string }[] };
  const before = await account(`nik=${farmer!.nik}`);
  const input = {
    amount: 1_000_000, beneficiary: { bankCode: before.bank.kode, accountNo: before.accountNo, holderName: farmer!.fullName }, remark: 'JKK santunan upah',
    holder: { by: 'name', name: farmer!.fullName },
  };
  const op = await steps.add('bank.pay_benefit', input);
  const [paid] = await steps.finals(op, 'bank.pay_benefit');
  t.match(paid, { outcome: 'succeeded', result: { bankReference: /^\d{16}$/, amount: 1_000_000 } });

  await steps.add('bank.pay_benefit', input, { operationId: op, replay: 1 });
  const both = await steps.finals(op, 'bank.pay_benefit', 2);
  t.equal(both[1]!.result!['bankReference'], paid!.result!['bankReference'], 'the replay answers the first transfer');
  const transfers = await transfersOf(before.accountNo);
  t.equal(transfers.count, 1, 'paid once');
  t.equal(transfers.items[0]!.sourceAccountNo, '9100000001', 'from the programme\'s payout account');
  t.equal((await account(`nik=${farmer!.nik}`)).balance, before.balance + 1_000_000);
});

t.test('a hospital bill paid through a bank outage: retried until the bank is back, paid once', async (t) => {
  const accountNo = '1268880000001';
  await simCall('POST', '/_sim/bank/accounts', { accountNo, bankCode: '126', holderName: 'RS Uji Soppeng' });
  await simCall('POST', '/_sim/faults', { system: 'bank', mode: 'error', status: 503 });
  const op = await steps.add('bank.pay_hospital', { amount: 4_500_000, beneficiary: { bankCode: '126', accountNo, holderName: 'RS Uji Soppeng' }, remark: 'JKK biaya RS' });
  await waitFor(() => steps.eventsOf(op, 'bank.pay_hospital'), (evs) => evs.length >= 2, { what: 'failed attempts' });
  await simCall('DELETE', '/_sim/faults');
  const [paid] = await steps.finals(op, 'bank.pay_hospital');
  t.match(paid, { outcome: 'succeeded', result: { amount: 4_500_000 } });
  t.equal((await transfersOf(accountNo)).count, 1);
  t.equal((await account(`accountNo=${accountNo}`)).balance, 4_500_000);
});

t.test('an heir\'s account the bank does not know is a rejection, and nothing is paid', async (t) => {
  const op = await steps.add('bank.pay_heir', {
    amount: 42_000_000, beneficiary: { bankCode: '002', accountNo: '0020000000', holderName: 'Hasnah' }, remark: 'JKM ahli waris', holder: { by: 'name', name: 'Hasnah' },
  });
  const [refused] = await steps.finals(op, 'bank.pay_heir');
  t.match(refused, { outcome: 'rejected', reasonCode: 'beneficiary_account_invalid', partnerStatus: 404 });
  t.equal(await inquiriesOf('0020000000'), 1, 'the bank was asked who holds it');
  t.equal((await transfersOf('0020000000')).count, 0);
});

t.test('a benefit routed to an agent\'s own account: the bank holds it under another name, nothing is paid', async (t) => {
  const farmer = await eligible(7);
  const agentAccount = '9001000001';
  const op = await steps.add('bank.pay_benefit', {
    amount: 750_000, beneficiary: { bankCode: '002', accountNo: agentAccount, holderName: farmer.fullName }, remark: 'JKK santunan upah',
    holder: { by: 'name', name: farmer.fullName },
  });
  const [refused] = await steps.finals(op, 'bank.pay_benefit');
  t.match(refused, { outcome: 'rejected', reasonCode: 'account_name_mismatch' });
  t.equal(await inquiriesOf(agentAccount), 1);
  t.equal((await transfersOf(agentAccount)).count, 0, 'no transfer reached the bank, whatever name the agent typed');

  // A supervisor approved this account (ops_audit 17): the replay pays it, once, without asking again.
  const approved = { by: 'supervisor', approvedBy: 'demo-supervisor', auditId: 17 };
  await steps.add('bank.pay_benefit', {
    amount: 750_000, beneficiary: { bankCode: '002', accountNo: agentAccount, holderName: farmer.fullName }, remark: 'JKK santunan upah', holder: approved,
  }, { operationId: op, replay: 1 });
  const [, paid] = await steps.finals(op, 'bank.pay_benefit', 2);
  t.match(paid, { outcome: 'succeeded', replay: 1, result: { amount: 750_000 } });
  t.equal((await transfersOf(agentAccount)).count, 1);
  t.equal(await inquiriesOf(agentAccount), 1, 'the approval stands in for the name check');
});

t.test('the account inquiry fails (503), then answers: retried, and the heir is paid once, never before the name matched', async (t) => {
  const accountNo = '0021203850009';
  await simCall('POST', '/_sim/bank/accounts', { accountNo, bankCode: '002', holderName: 'HJ. SITI AMINAH' });
  await simCall('POST', '/_sim/faults', { system: 'bank', mode: 'error', status: 503, path: '/v1.0/account-inquiry-external' });
  t.teardown(() => simCall('DELETE', '/_sim/faults'));
  const op = await steps.add('bank.pay_heir', {
    amount: 42_000_000, beneficiary: { bankCode: '002', accountNo, holderName: 'Sitti Aminah' }, remark: 'JKM ahli waris', holder: { by: 'name', name: 'Sitti Aminah' },
  });
  const failed = await waitFor(() => steps.eventsOf(op, 'bank.pay_heir'), (evs) => evs.length >= 2, { what: 'failed inquiries' });
  t.ok(failed.every((e) => e.outcome === 'attempt_failed' && e.errorCode === 'PARTNER_5XX'), 'each a failed attempt, to be retried');
  t.equal((await transfersOf(accountNo)).count, 0, 'nothing paid while the holder is unknown');
  await simCall('DELETE', '/_sim/faults');
  const [paid] = await steps.finals(op, 'bank.pay_heir');
  t.match(paid, { outcome: 'succeeded', result: { amount: 42_000_000 } });
  t.equal((await transfersOf(accountNo)).count, 1, 'paid once');
});

t.test('a benefit or heir payout without a holder to check is refused as a bad job', async (t) => {
  const op = await steps.add('bank.pay_heir', { amount: 1_000, beneficiary: { bankCode: '002', accountNo: '9001000002', holderName: 'Hasnah' }, remark: 'JKM ahli waris' });
  const [refused] = await steps.finals(op, 'bank.pay_heir');
  t.match(refused, { outcome: 'failed', errorCode: 'BAD_JOB_PAYLOAD' });
  t.equal((await transfersOf('9001000002')).count, 0);
});
