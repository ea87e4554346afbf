import t from 'tap';
import { composeNik, maskNik, nikMismatch, parseNik } from '@sutasoma/contracts';

t.test('a man born 1 January 1990 in Lalabata: his NIK reads back area, birth date, sex and serial', async (t) => {
  t.same(parseNik('7312020101900003'), { areaCode: '731202', day: 1, month: 1, yearTwoDigits: 90, sex: 'M', serial: '0003' });
});

t.test('a woman carries 40 added to her birth day: 45 means the 5th, and she reads back as F', async (t) => {
  t.same(parseNik('7312024505880007'), { areaCode: '731202', day: 5, month: 5, yearTwoDigits: 88, sex: 'F', serial: '0007' });
  t.match(parseNik('7312027112990001'), { day: 31, month: 12, sex: 'F' }, 'day 71 is a woman born on the 31st');
  t.match(parseNik('7312023112990001'), { day: 31, month: 12, sex: 'M' }, 'day 31 is a man born on the 31st');
});

t.test('a NIK whose digits cannot be a real person is refused', async (t) => {
  const refused: Record<string, string> = {
    'month 13': '7312020113900003',
    'month 00': '7312020100900003',
    'serial 0000': '7312020101900000',
    'day 00': '7312020001900003',
    'day 32 (no man is born on the 32nd)': '7312023201900003',
    'day 40 (neither a man nor a woman)': '7312024001900003',
    'day 72 (a woman born on the 32nd)': '7312027201900003',
    'province 00': '0012020101900003',
    'fifteen digits': '731202010190000',
    'seventeen digits': '73120201019000031',
    'a letter among the digits': '73120201019O0003',
    'spaces around it': ' 7312020101900003',
  };
  for (const [why, nik] of Object.entries(refused)) t.equal(parseNik(nik), null, why);
});

t.test('a NIK agrees with the birth date and sex it was issued for, and names the disagreement otherwise', async (t) => {
  t.equal(nikMismatch('7312024505880007', '1988-05-05', 'F'), null);
  t.equal(nikMismatch('7312024505880007', '1988-05-06', 'F'), 'nik_birth_date_mismatch', 'another day');
  t.equal(nikMismatch('7312024505880007', '1988-06-05', 'F'), 'nik_birth_date_mismatch', 'another month');
  t.equal(nikMismatch('7312024505880007', '1989-05-05', 'F'), 'nik_birth_date_mismatch', 'another year');
  t.equal(nikMismatch('7312024505880007', '1988-05-05', 'M'), 'nik_sex_mismatch', 'a woman\'s NIK given as a man');
  t.equal(nikMismatch('7312020505880007', '1988-05-05', 'F'), 'nik_sex_mismatch', 'a man\'s NIK given as a woman');
  t.equal(nikMismatch('7312020505880007', '1988-05-45', 'F'), 'nik_birth_date_mismatch', 'the date is compared, not the raw day digits');
  t.equal(nikMismatch('not-a-nik', '1988-05-05', 'F'), null, 'a malformed NIK is left to the format check');
});

t.test('composing a NIK for any birth date and sex, then parsing it, gives the same person back', async (t) => {
  let checked = 0;
  const day = 24 * 3600 * 1000;
  // Every 3rd day across 80 years covers every day of the month, every month, leap days and both centuries.
  for (let at = Date.UTC(1940, 0, 1), i = 0; at <= Date.UTC(2020, 11, 31); at += 3 * day, i++) {
    const birthDate = new Date(at).toISOString().slice(0, 10);
    const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
    for (const sex of ['M', 'F'] as const) {
      const serial = (i % 9999) + 1;
      const nik = composeNik('731204', birthDate, sex, serial);
      const parts = parseNik(nik);
      if (!parts || parts.day !== d || parts.month !== m || parts.yearTwoDigits !== y % 100 || parts.sex !== sex
        || parts.areaCode !== '731204' || Number(parts.serial) !== serial || nikMismatch(nik, birthDate, sex) !== null) {
        t.fail(`round trip broke for ${birthDate} ${sex} serial ${serial}: ${nik} -> ${JSON.stringify(parts)}`);
        return;
      }
      checked++;
    }
  }
  t.ok(checked > 19_000, `${checked} NIKs round-tripped`);
  t.equal(composeNik('731202', '1988-05-05', 'F', 7), '7312024505880007', 'the documented example');
  t.equal(composeNik('731202', '2001-02-03', 'M', 12), '7312020302010012', 'years after 2000 keep the leading zero');
});

t.test('a masked NIK lets an operator tell two farmers apart without revealing the birth date', async (t) => {
  const masked = maskNik('7312024505880007');
  t.equal(masked, '7312********0007');
  t.equal(masked.length, 16);
  t.notMatch(masked, /450588/, 'the birth-date digits are hidden');
  t.not(maskNik('7312024505880007'), maskNik('7312024505880008'), 'two farmers of one village and birthday differ');
  t.equal(maskNik('12345'), '****', 'something that is not a NIK reveals nothing');
  t.equal(maskNik('73120245058800071'), '****');
});
