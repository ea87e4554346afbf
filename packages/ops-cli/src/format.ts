/** A plain text table: a header, a rule, then the rows; each column as wide as its widest cell. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** An ISO instant to the second: `2025-03-01T08:15:02Z`. */
export function instant(iso: string | null): string {
  return iso === null ? '-' : iso.replace(/\.\d+(Z|[+-]\d\d:\d\d)$/, '$1');
}

/** A fraction (0.25) as a percentage (25%). */
export function percent(rate: number | null): string {
  return rate === null ? '-' : `${Math.round(rate * 1000) / 10}%`;
}

/** `key=value` pairs on one line; values with spaces or structure as JSON. */
export function compact(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' && /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ');
}
