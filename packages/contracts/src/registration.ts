import { z } from 'zod';
import { findVillage } from './regions.ts';
import { nikMismatch, parseNik } from './nik.ts';
import { todayInSoppeng } from './time.ts';
import { StepName, PartnerSystem } from './queues.ts';

export const RegistrationStatus = z.enum(['accepted', 'verifying', 'registered', 'rejected', 'failed']);
export type RegistrationStatus = z.infer<typeof RegistrationStatus>;
export const TERMINAL_REGISTRATION_STATUSES: readonly RegistrationStatus[] = ['registered', 'rejected', 'failed'];

export const StepState = z.enum(['pending', 'running', 'succeeded', 'rejected', 'failed']);
export type StepState = z.infer<typeof StepState>;

/** Program rules the request is checked against (configuration, never code). */
export interface RegistrationRules {
  minAge: number;
  maxAge: number;
  /** Declared monthly income brackets in rupiah accepted by BPJS for BPU participants. */
  incomeBrackets: readonly number[];
}

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD');

function isRealDate(value: string): boolean {
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** Age in whole years on `today` (YYYY-MM-DD) of someone born on `birthDate`. */
export function ageOn(birthDate: string, today: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

/** The registration body. Every field is checked; every bad one is named in the 400. */
export function buildRegistrationRequest(rules: RegistrationRules) {
  return z
    .object({
      nik: z.string().regex(/^\d{16}$/, 'must be exactly 16 digits')
        .refine((v) => parseNik(v) !== null, 'is not a valid NIK (area, birth date or serial digits)'),
      fullName: z.string().trim().min(2).max(100),
      birthDate: isoDate.refine(isRealDate, 'is not a real calendar date').refine((v) => {
        if (!isRealDate(v)) return true;
        const age = ageOn(v, todayInSoppeng());
        return age >= rules.minAge && age <= rules.maxAge;
      }, `gives an age outside the program's limits (${rules.minAge} to ${rules.maxAge})`),
      sex: z.enum(['M', 'F']),
      villageCode: z.string().regex(/^\d{10}$/, 'must be a 10-digit village code')
        .refine((v) => findVillage(v) !== undefined, 'is not a village of Kabupaten Soppeng'),
      address: z.string().trim().max(200).optional(),
      phone: z.string().regex(/^(\+62|0)8\d{7,12}$/, 'must be an Indonesian mobile number').optional(),
      declaredMonthlyIncome: z.number().int()
        .refine((v) => rules.incomeBrackets.includes(v), `must be one of the income brackets: ${rules.incomeBrackets.join(', ')}`)
        .default(rules.incomeBrackets[0] ?? 1_000_000)
        .describe('declared monthly income in rupiah; the contribution is computed from it'),
    })
    .strict()
    .superRefine((body, ctx) => {
      if (!isRealDate(body.birthDate)) return;
      const mismatch = nikMismatch(body.nik, body.birthDate, body.sex);
      if (mismatch === 'nik_birth_date_mismatch') {
        ctx.addIssue({ code: 'custom', path: ['nik'], message: 'birth date digits disagree with birthDate' });
      } else if (mismatch === 'nik_sex_mismatch') {
        ctx.addIssue({ code: 'custom', path: ['nik'], message: 'sex digits disagree with sex' });
      }
    })
    .meta({ id: 'RegistrationRequest' });
}
export type RegistrationRequest = z.infer<ReturnType<typeof buildRegistrationRequest>>;

/** One step of an operation, as clients and operators see it. */
export const OperationStep = z.object({
  name: StepName,
  system: PartnerSystem,
  state: StepState,
  attempts: z.number().int(),
  lastErrorCode: z.string().nullable(),
  updatedAt: z.string(),
});

export const Registration = z.object({
  id: z.uuid(),
  status: RegistrationStatus,
  kpj: z.string().nullable().describe('BPJS participant number, once BPJS gave it'),
  participantStatus: z.enum(['pending_first_payment']).nullable()
    .describe('a registered participant is covered once the first contribution is posted'),
  reason: z.object({ code: z.string(), detail: z.string() }).nullable()
    .describe('why the registration was rejected or failed'),
  farmer: z.object({
    nikMasked: z.string(),
    villageCode: z.string(),
    farmerGroup: z.object({ id: z.string(), name: z.string() }).nullable(),
    extensionWorker: z.object({ id: z.string(), name: z.string() }).nullable(),
    card: z.object({ found: z.boolean(), cardNumberMasked: z.string().optional(), status: z.string().optional() }).nullable(),
  }),
  steps: z.array(OperationStep),
  createdAt: z.string(),
  updatedAt: z.string(),
}).meta({ id: 'Registration' });
export type Registration = z.infer<typeof Registration>;

export const RegistrationAccepted = z.object({
  id: z.uuid(),
  status: RegistrationStatus,
  createdAt: z.string(),
}).meta({ id: 'RegistrationAccepted' });

export const IdempotencyKeyHeader = z.string()
  .regex(/^[A-Za-z0-9._:-]{8,128}$/, 'must be 8 to 128 characters of letters, digits, ".", "_", ":" or "-" (a UUID is ideal)');
