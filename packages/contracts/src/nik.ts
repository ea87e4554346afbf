/**
 * The 16-digit NIK: 6 digits of the issuing area (province, regency, district), the birth date as
 * DDMMYY with 40 added to the day for women, then a 4-digit serial that is never 0000.
 */
export interface NikParts {
  areaCode: string;
  day: number;
  month: number;
  yearTwoDigits: number;
  sex: 'M' | 'F';
  serial: string;
}

export function parseNik(nik: string): NikParts | null {
  if (!/^\d{16}$/.test(nik)) return null;
  const rawDay = Number(nik.slice(6, 8));
  const sex = rawDay > 40 ? 'F' : 'M';
  const day = sex === 'F' ? rawDay - 40 : rawDay;
  const month = Number(nik.slice(8, 10));
  const serial = nik.slice(12, 16);
  if (nik.slice(0, 2) === '00' || day < 1 || day > 31 || month < 1 || month > 12 || serial === '0000') return null;
  return { areaCode: nik.slice(0, 6), day, month, yearTwoDigits: Number(nik.slice(10, 12)), sex, serial };
}

/** Why a NIK disagrees with a birth date (YYYY-MM-DD) and sex, or null when they agree. */
export function nikMismatch(nik: string, birthDate: string, sex: 'M' | 'F'): 'nik_birth_date_mismatch' | 'nik_sex_mismatch' | null {
  const parts = parseNik(nik);
  if (!parts) return null;
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  if (parts.day !== d || parts.month !== m || parts.yearTwoDigits !== y % 100) return 'nik_birth_date_mismatch';
  if (parts.sex !== sex) return 'nik_sex_mismatch';
  return null;
}

/** Builds a NIK whose digits agree with the birth date and sex. */
export function composeNik(areaCode: string, birthDate: string, sex: 'M' | 'F', serial: number): string {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  const day = sex === 'F' ? d + 40 : d;
  return `${areaCode}${pad(day)}${pad(m)}${pad(y % 100)}${String(serial).padStart(4, '0')}`;
}

/** 7312********0012: enough for an operator to tell two farmers apart, not enough to identify one. */
export function maskNik(nik: string): string {
  return nik.length === 16 ? `${nik.slice(0, 4)}********${nik.slice(12)}` : '****';
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
