import { z } from 'zod';
import type { HospitalBill } from '@sutasoma/contracts';
import { NIK_SYSTEM, SUTASOMA_FHIR, type Issue } from './terms.ts';

/** What a valid notification says, before the delivery's own fields are added. */
export type EncounterFacts =
  | { type: 'hospital.admission'; hospitalId: string; encounterId: string; nik: string; admittedAt: string; accidentDate: string; description: string }
  | { type: 'hospital.discharge'; hospitalId: string; encounterId: string; nik: string; dischargedAt: string; bill: HospitalBill };

export type Parsed = { ok: true; facts: EncounterFacts } | { ok: false; issues: Issue[] };

const Instant = z.string().refine((v) => /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v)), 'must be a FHIR dateTime with a time and offset');
const KNOWN = ['Patient', 'Encounter', 'Claim'] as const;

const Bundle = z.object({
  resourceType: z.literal('Bundle'),
  type: z.enum(['collection', 'message']),
  entry: z.array(z.object({ resource: z.object({ resourceType: z.string() }).passthrough() })).min(1),
});
const Patient = z.object({
  identifier: z.array(z.object({ system: z.string().optional(), value: z.string().optional() })).min(1),
});
const Encounter = z.object({
  id: z.string().min(1).max(64),
  status: z.string(),
  class: z.object({ code: z.string().min(1) }),
  period: z.object({ start: Instant, end: Instant.optional() }),
  serviceProvider: z.object({ reference: z.string().regex(/^Organization\/[A-Za-z0-9.-]{1,64}$/, 'must be Organization/<id>') }),
  reasonCode: z.array(z.object({ text: z.string().max(500).optional() })).optional(),
  extension: z.array(z.object({ url: z.string(), valueDate: z.string().optional() })).optional(),
});
const Money = z.object({ value: z.number(), currency: z.string() });
const Claim = z.object({
  id: z.string().min(1).max(64),
  item: z.array(z.object({
    productOrService: z.object({ coding: z.array(z.object({ code: z.string().min(1).max(40), display: z.string().max(200).optional() })).min(1), text: z.string().optional() }),
    net: Money,
  })).min(1),
  total: Money,
});

/** zod's path as a FHIRPath-like expression rooted at the resource: `Encounter.period.start`, `Claim.item[0].net`. */
function expression(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((e, k) => (typeof k === 'number' ? `${e}[${k}]` : `${e}.${String(k)}`), root);
}
const zodIssues = (root: string, error: z.ZodError): Issue[] =>
  error.issues.map((i) => ({ expression: expression(root, i.path), diagnostics: i.message }));

/**
 * Reads the hospital's notification: a FHIR Bundle (`collection` or `message`) of one Patient, one
 * Encounter and, at discharge, one Claim with the bill. An Encounter `in-progress` is an admission,
 * `finished` a discharge. Every problem found is returned with the field it is about.
 */
export function readEncounterNotification(body: unknown): Parsed {
  const bundle = Bundle.safeParse(body);
  if (!bundle.success) return { ok: false, issues: zodIssues('Bundle', bundle.error) };
  const issues: Issue[] = [];
  const byType = new Map<string, unknown[]>();
  bundle.data.entry.forEach((e, i) => {
    const type = e.resource.resourceType;
    if (type === 'MessageHeader' && bundle.data.type === 'message') return;
    if (!(KNOWN as readonly string[]).includes(type)) {
      issues.push({ expression: `Bundle.entry[${i}].resource.resourceType`, diagnostics: `a ${type} is not part of an encounter notification (Patient, Encounter, Claim)` });
      return;
    }
    byType.set(type, [...(byType.get(type) ?? []), e.resource]);
  });
  for (const type of ['Patient', 'Encounter'] as const) {
    const n = byType.get(type)?.length ?? 0;
    if (n !== 1) issues.push({ expression: `Bundle.entry.resource.ofType(${type})`, diagnostics: `the bundle must hold exactly one ${type}, not ${n}` });
  }
  if ((byType.get('Claim')?.length ?? 0) > 1) issues.push({ expression: 'Bundle.entry.resource.ofType(Claim)', diagnostics: 'the bundle holds more than one Claim' });
  if (issues.length > 0) return { ok: false, issues };

  const nik = readNik(byType.get('Patient')![0], issues);
  const encounter = Encounter.safeParse(byType.get('Encounter')![0]);
  if (!encounter.success) issues.push(...zodIssues('Encounter', encounter.error));
  if (!encounter.success || nik === undefined) return { ok: false, issues };
  const enc = encounter.data;
  const common = { hospitalId: enc.serviceProvider.reference.slice('Organization/'.length), encounterId: enc.id, nik };

  if (enc.status === 'in-progress') {
    const i = enc.extension?.findIndex((x) => x.url === SUTASOMA_FHIR.accidentDate) ?? -1;
    const accidentDate = i >= 0 ? enc.extension![i]!.valueDate : undefined;
    if (accidentDate === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(accidentDate)) {
      issues.push({
        expression: i >= 0 ? `Encounter.extension[${i}].valueDate` : `Encounter.extension('${SUTASOMA_FHIR.accidentDate}')`,
        diagnostics: 'an admission must carry the accident date (YYYY-MM-DD)',
      });
      return { ok: false, issues };
    }
    return { ok: true, facts: { type: 'hospital.admission', ...common, admittedAt: enc.period.start, accidentDate, description: enc.reasonCode?.[0]?.text ?? '' } };
  }
  if (enc.status !== 'finished') {
    return { ok: false, issues: [{ expression: 'Encounter.status', diagnostics: `must be in-progress (admission) or finished (discharge), not ${enc.status}` }] };
  }
  const end = enc.period.end;
  if (end === undefined) issues.push({ expression: 'Encounter.period.end', diagnostics: 'a discharge must say when the patient left' });
  else if (Date.parse(end) < Date.parse(enc.period.start)) {
    issues.push({ expression: 'Encounter.period.end', diagnostics: `the discharge (${end}) is before the admission (${enc.period.start})` });
  }
  const claim = byType.get('Claim')?.[0];
  const bill = claim === undefined ? undefined : readBill(claim, issues);
  if (claim === undefined) issues.push({ expression: 'Bundle.entry.resource.ofType(Claim)', diagnostics: 'a discharge must carry the bill as a Claim' });
  if (issues.length > 0 || bill === undefined || end === undefined) return { ok: false, issues };
  return { ok: true, facts: { type: 'hospital.discharge', ...common, dischargedAt: end, bill } };
}

function readNik(resource: unknown, issues: Issue[]): string | undefined {
  const patient = Patient.safeParse(resource);
  if (!patient.success) {
    issues.push(...zodIssues('Patient', patient.error));
    return undefined;
  }
  const i = patient.data.identifier.findIndex((id) => id.system === NIK_SYSTEM);
  const value = i >= 0 ? patient.data.identifier[i]!.value : undefined;
  if (i < 0) issues.push({ expression: `Patient.identifier.where(system='${NIK_SYSTEM}')`, diagnostics: 'the patient has no NIK identifier' });
  else if (value === undefined || !/^\d{16}$/.test(value)) issues.push({ expression: `Patient.identifier[${i}].value`, diagnostics: 'a NIK is 16 digits' });
  else return value;
  return undefined;
}

/** The Claim as our bill: integer rupiah only, every line and the total in IDR, the lines adding up to the total. */
function readBill(resource: unknown, issues: Issue[]): HospitalBill | undefined {
  const claim = Claim.safeParse(resource);
  if (!claim.success) {
    issues.push(...zodIssues('Claim', claim.error));
    return undefined;
  }
  const c = claim.data;
  const before = issues.length;
  const rupiah = (m: { value: number; currency: string }, at: string) => {
    if (m.currency !== 'IDR') issues.push({ expression: `${at}.currency`, diagnostics: `must be IDR, not ${m.currency}` });
    if (!Number.isInteger(m.value) || m.value < 0) issues.push({ expression: `${at}.value`, diagnostics: `must be whole rupiah, not negative: ${m.value}` });
  };
  rupiah(c.total, 'Claim.total');
  c.item.forEach((item, i) => rupiah(item.net, `Claim.item[${i}].net`));
  if (issues.length > before) return undefined;
  const sum = c.item.reduce((s, item) => s + item.net.value, 0);
  if (sum !== c.total.value) {
    issues.push({ expression: 'Claim.total.value', diagnostics: `the total ${c.total.value} is not the sum of the items (${sum})` });
    return undefined;
  }
  return {
    billId: c.id,
    currency: 'IDR',
    total: c.total.value,
    lines: c.item.map((item) => {
      const coding = item.productOrService.coding[0]!;
      return { code: coding.code, description: coding.display ?? item.productOrService.text ?? '', amount: item.net.value };
    }),
  };
}
