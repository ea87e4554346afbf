import type { MonthlyReport, ReportFigures } from '@sutasoma/contracts';

const FIELDS: readonly (keyof ReportFigures)[] = [
  'registrations', 'activeParticipants', 'pendingFirstPayment', 'inArrears', 'lapsed', 'listedFarmers', 'coverageRate',
  'contributions', 'contributionsAmount', 'jkkReported', 'jkkPaid', 'jkkPaidAmount', 'jkmReported', 'jkmPaid', 'jkmPaidAmount', 'agentFees',
];

const cell = (v: string | number | null) => {
  if (v === null) return '';
  const s = String(v);
  // Quote what a spreadsheet would split or read as a formula.
  return /[",\r\n]|^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
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
