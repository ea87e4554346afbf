import type { MonthlyReport, ReportFigures } from '@sutasoma/contracts';

const FIELDS: readonly (keyof ReportFigures)[] = [
  'registrations', 'activeParticipants', 'pendingFirstPayment', 'inArrears', 'lapsed', 'listedFarmers', 'coverageRate',
  'contributions', 'contributionsAmount', 'jkkReported', 'jkkPaid', 'jkkPaidAmount', 'jkmReported', 'jkmPaid', 'jkmPaidAmount', 'agentFees',
];

/**
 * One cell. A text a spreadsheet would read as a formula (beginning with = + - @, a tab or a carriage
 * return: a farmer group's name comes from a partner) gets a leading apostrophe, OWASP's advice for
 * CSV injection, so it shows as text and never runs; a text with a quote, comma or line break is
 * quoted. Numbers are written as they are.
 */
const cell = (v: string | number | null) => {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n\t']/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/**
 * The report as CSV for a spreadsheet: UTF-8 with a byte-order mark (so Excel reads the names
 * right), CRLF lines, one row per unit and a last TOTAL row, rupiah as plain integers.
 */
export function reportCsv(report: MonthlyReport): string {
  const header = ['period', 'level', 'key', 'name', 'bpp', ...FIELDS];
  const lines = [header.join(',')];
  for (const r of report.rows) {
    lines.push([report.period, report.level, r.key, r.name, r.bpp, ...FIELDS.map((f) => r.figures[f])].map(cell).join(','));
  }
  lines.push([report.period, report.level, 'TOTAL', 'Total', null, ...FIELDS.map((f) => report.totals[f])].map(cell).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
