import t from 'tap';
import { ageOn, buildRegistrationRequest, composeNik, type RegistrationRules } from '@sutasoma/contracts';

const rules: RegistrationRules = { minAge: 18, maxAge: 60, incomeBrackets: [1_000_000, 1_500_000, 2_000_000] };
const RegistrationRequest = buildRegistrationRequest(rules);

/** Besse Hasnah of Desa Botto, Lalabata: a woman born 5 May 1988. */
const besse = () => ({
  nik: '7312024505880007',
  fullName: 'Besse Hasnah',
  birthDate: '1988-05-05',
  sex: 'F',
  villageCode: '7312022001',
  address: 'Dusun Bila, Desa Botto',
  phone: '081234567890',
  declaredMonthlyIncome: 1_500_000,
});

/** The fields the schema names, as "path: message", for a body it refuses. */
function refusals(body: unknown): string[] {
  const parsed = RegistrationRequest.safeParse(body);
  if (parsed.success) return [];
  return parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}
const fields = (body: unknown) => [...new Set(refusals(body).map((r) => r.split(':')[0]))];

/** Born in the month `years` years ago, on the 15th: aged `years` or `years - 1` today. */
function bornYearsAgo(years: number): string {
  const now = new Date();
  return `${now.getUTCFullYear() - years}-${String(now.getUTCMonth() + 1).padStart(2, '0')}-15`;
}

t.test('a valid farmer is accepted as given', async (t) => {
  const parsed = RegistrationRequest.safeParse(besse());
  t.ok(parsed.success, JSON.stringify(refusals(besse())));
  t.same(parsed.data, besse());
});

t.test('a farmer who declares no income is registered at the lowest bracket', async (t) => {
  const { declaredMonthlyIncome: _, address: _a, phone: _p, ...minimal } = besse();
  const parsed = RegistrationRequest.parse(minimal);
  t.equal(parsed.declaredMonthlyIncome, 1_000_000);
  t.notOk('address' in parsed, 'optional fields stay absent');
  const other = buildRegistrationRequest({ ...rules, incomeBrackets: [2_500_000] }).parse(minimal);
  t.equal(other.declaredMonthlyIncome, 2_500_000, 'the default follows the rules, not a constant');
});

t.test('an income outside the brackets is refused by name', async (t) => {
  t.same(fields({ ...besse(), declaredMonthlyIncome: 1_234_567 }), ['declaredMonthlyIncome']);
});

t.test('a NIK one digit short is refused on the nik field', async (t) => {
  const reasons = refusals({ ...besse(), nik: '731202450588000' });
  t.ok(reasons.includes('nik: must be exactly 16 digits'), JSON.stringify(reasons));
  t.same(fields({ ...besse(), nik: '731202450588000' }), ['nik'], 'nothing else is blamed');
});

t.test('a NIK whose birth digits disagree with the birth date is refused on the nik field', async (t) => {
  t.same(refusals({ ...besse(), birthDate: '1988-05-06' }), ['nik: birth date digits disagree with birthDate']);
  t.same(refusals({ ...besse(), sex: 'M' }), ['nik: sex digits disagree with sex']);
});

t.test('a birth date that never existed is refused on the birthDate field', async (t) => {
  const nik = composeNik('731202', '2023-03-01', 'M', 1);
  t.same(refusals({ ...besse(), nik, sex: 'M', birthDate: '2023-02-29' }), ['birthDate: is not a real calendar date']);
  t.same(fields({ ...besse(), birthDate: '1988-13-05' }), ['birthDate']);
  t.same(fields({ ...besse(), birthDate: '05-05-1988' }), ['birthDate'], 'only YYYY-MM-DD is a date');
});

t.test('a farmer too young or too old for the program is refused on the birthDate field', async (t) => {
  for (const years of [10, 17, 62, 75]) {
    const birthDate = bornYearsAgo(years);
    const body = { ...besse(), birthDate, nik: composeNik('731202', birthDate, 'F', 7) };
    t.same(refusals(body), ['birthDate: gives an age outside the program\'s limits (18 to 60)'], `born ${birthDate}`);
  }
  for (const years of [19, 59]) {
    const birthDate = bornYearsAgo(years);
    t.same(refusals({ ...besse(), birthDate, nik: composeNik('731202', birthDate, 'F', 7) }), [], `born ${birthDate} is within limits`);
  }
});

t.test('age counts whole years: the birthday itself is the day a year is added', async (t) => {
  t.equal(ageOn('2000-06-15', '2018-06-14'), 17);
  t.equal(ageOn('2000-06-15', '2018-06-15'), 18);
  t.equal(ageOn('2000-06-15', '2018-05-31'), 17, 'an earlier month of the birthday year');
  t.equal(ageOn('2000-02-29', '2018-02-28'), 17, 'a leap-day child is not 18 before March');
  t.equal(ageOn('2000-02-29', '2018-03-01'), 18);
});

t.test('a village outside Kabupaten Soppeng is refused on the villageCode field', async (t) => {
  t.same(refusals({ ...besse(), villageCode: '7312999999' }), ['villageCode: is not a village of Kabupaten Soppeng']);
  t.same(fields({ ...besse(), villageCode: '731202' }), ['villageCode'], 'a district code is not a village code');
});

t.test('a field the API does not know is refused, and named', async (t) => {
  const parsed = RegistrationRequest.safeParse({ ...besse(), religion: 'Islam' });
  t.notOk(parsed.success);
  const issue = parsed.error?.issues.find((i) => i.code === 'unrecognized_keys');
  t.ok(issue, 'an unrecognized key is reported');
  t.same(issue && 'keys' in issue ? issue.keys : undefined, ['religion']);
});

t.test('several bad fields are all named in one answer', async (t) => {
  const body = { ...besse(), birthDate: '1988-05-06', villageCode: '7312999999', phone: '12345', fullName: 'B', extra: true };
  t.same(fields(body).sort(), ['', 'fullName', 'nik', 'phone', 'villageCode'], JSON.stringify(refusals(body)));
});
