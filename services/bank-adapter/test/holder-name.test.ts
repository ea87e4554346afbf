import t from 'tap';
import { sameHolder } from '../src/holder-name.ts';

// The registered (or heir's) name, then the name the bank answered for the account.
t.test('the same person as a bank writes them: paid', async (t) => {
  for (const [ours, bank] of [
    ['Hasnah', 'HASNAH'],
    ['Muhammad Yusuf Lallo', 'MUH. YUSUF LALLO'],
    ['Muhammad Yusuf', 'M. YUSUF'],
    ['Abdul Rahman', 'ABD RAHMAN'],
    ['Sitti Aminah', 'HJ. SITI AMINAH'],
    ['La Tenri', 'la  tenri'],
    ['Andi Makkasau', 'H. ANDI MAKKASAU, S.PD'],
    ['Ma\'ruf Amin', 'MARUF AMIN'],
    ['Ambo Dalle', 'Ambo-Dalle'],
    ['Nurhayati Saleh', 'NURHAYATÍ SALEH'],
  ]) t.ok(sameHolder(ours!, bank!), `${ours} = ${bank}`);
});

t.test('another person, however close: not paid', async (t) => {
  for (const [ours, bank] of [
    ['Hasnah', 'HASAN'],
    ['Hasnah Lallo', 'HASNAWATI LALLO'],
    ['Andi Baso', 'ANDI BASRI'],
    ['Andi Baso', 'ANDI B'],
    ['Muhammad Yusuf', 'MUHAMMAD YUSUF LALLO'],
    ['Muhammad Yusuf Lallo', 'MUHAMMAD YUSUF'],
    ['Yusuf Muhammad', 'MUHAMMAD YUSUF'],
    ['Muhammad Ali', 'MUHAMMAD ARIF'],
    ['Abdul Rahman Saleh', 'A. R. SALEH'],
    ['Hasanuddin', 'HASAN'],
    ['Beddu', 'B'],
    ['Hasnah', ''],
  ]) t.notOk(sameHolder(ours!, bank!), `${ours} ≠ ${bank}`);
});
