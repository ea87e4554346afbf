/** SATUSEHAT's identifier system for the national id (NIK). */
export const NIK_SYSTEM = 'https://fhir.kemkes.go.id/id/nik';
/** Our extension on Encounter carrying the date of the work accident (model: not a SATUSEHAT profile). */
export const ACCIDENT_DATE_EXTENSION = 'https://sutasoma.soppengkab.go.id/fhir/StructureDefinition/accident-date';
/** The hospital's own tariff codes for bill items (model). */
export const TARIFF_SYSTEM = 'https://sutasoma.soppengkab.go.id/fhir/CodeSystem/tarif-faskes';

export interface BillLine {
  code: string;
  description: string;
  amount: number;
}

/** What one simulated accident stay is: the facts the hospital's two notifications tell. */
export interface Stay {
  encounterId: string;
  patientId: string;
  hospitalId: string;
  hospitalName: string;
  nik: string;
  patientName: string;
  accidentDate: string;
  description: string;
  admittedAt: string;
  dischargedAt: string;
  bill: { billId: string; currency: string; lines: BillLine[]; total: number };
}

const money = (value: number, currency: string) => ({ value, currency });

function patient(s: Stay) {
  return {
    resourceType: 'Patient',
    id: s.patientId,
    identifier: [{ use: 'official', system: NIK_SYSTEM, value: s.nik }],
    active: true,
    name: [{ use: 'official', text: s.patientName }],
  };
}

function encounter(s: Stay, event: 'admission' | 'discharge') {
  return {
    resourceType: 'Encounter',
    id: s.encounterId,
    extension: [{ url: ACCIDENT_DATE_EXTENSION, valueDate: s.accidentDate }],
    status: event === 'admission' ? 'in-progress' : 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: 'inpatient encounter' },
    subject: { reference: `Patient/${s.patientId}`, display: s.patientName },
    period: { start: s.admittedAt, ...(event === 'discharge' ? { end: s.dischargedAt } : {}) },
    reasonCode: [{ text: s.description }],
    serviceProvider: { reference: `Organization/${s.hospitalId}`, display: s.hospitalName },
  };
}

function claim(s: Stay) {
  return {
    resourceType: 'Claim',
    id: s.bill.billId,
    status: 'active',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'institutional' }] },
    use: 'claim',
    patient: { reference: `Patient/${s.patientId}` },
    created: s.dischargedAt,
    provider: { reference: `Organization/${s.hospitalId}`, display: s.hospitalName },
    priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
    insurance: [{ sequence: 1, focal: true, coverage: { display: 'BPJS Ketenagakerjaan: Jaminan Kecelakaan Kerja' } }],
    accident: { date: s.accidentDate, type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'WPA', display: 'workplace accident' }] } },
    item: s.bill.lines.map((l, i) => ({
      sequence: i + 1,
      productOrService: { coding: [{ system: TARIFF_SYSTEM, code: l.code, display: l.description }], text: l.description },
      net: money(l.amount, s.bill.currency),
      encounter: [{ reference: `Encounter/${s.encounterId}` }],
    })),
    total: money(s.bill.total, s.bill.currency),
  };
}

/**
 * The hospital's notification: a FHIR `collection` Bundle of the Patient and the Encounter, and at
 * discharge the bill as a Claim. `withBill: false` sends a discharge without it (a fault to test).
 */
export function stayBundle(s: Stay, event: 'admission' | 'discharge', opts: { withBill?: boolean } = {}) {
  const resources: object[] = [patient(s), encounter(s, event)];
  if (event === 'discharge' && opts.withBill !== false) resources.push(claim(s));
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: new Date().toISOString(),
    entry: resources.map((resource) => ({
      fullUrl: `urn:uuid:${(resource as { id: string }).id}`,
      resource,
    })),
  };
}

/** A plausible bill for an accident stay of `days` days at the facility. */
export function defaultBillLines(days: number, kind: 'hospital' | 'puskesmas'): BillLine[] {
  const perDay = kind === 'hospital' ? 750_000 : 250_000;
  return [
    { code: 'IGD-01', description: 'Pelayanan gawat darurat', amount: kind === 'hospital' ? 350_000 : 150_000 },
    { code: 'RI-KLS1', description: `Rawat inap kelas 1 (${days} hari)`, amount: perDay * Math.max(1, days) },
    { code: 'OBT-01', description: 'Obat dan bahan medis habis pakai', amount: 425_000 },
    { code: 'PNJ-01', description: 'Laboratorium dan radiologi', amount: 280_000 },
  ];
}
