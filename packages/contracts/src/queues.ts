import { z } from 'zod';
import { CLAIM_STEP_INPUTS } from './claim-steps.ts';

/** The partner systems; each has one adapter service and one BullMQ queue of the same name. */
export const PartnerSystem = z.enum(['simluhtan', 'ekartutani', 'bpjs', 'plkk', 'bank', 'hospital']);
export type PartnerSystem = z.infer<typeof PartnerSystem>;

/**
 * Where adapters hand a partner's notification (a webhook become a step event) to the gateway: a
 * BullMQ queue, whose job the adapter waits on until the gateway has applied it.
 */
export const GATEWAY_EVENTS_QUEUE = 'gateway-events';

/**
 * Where adapters append the result of each step they ran, for the gateway: a Redis stream, read by
 * the gateway's consumer group many entries at a time; an entry is acknowledged (and deleted) once
 * its event is in the ledger, and one left pending (a gateway that died, a ledger that refused) is
 * taken up again by a live gateway.
 */
export const stepEventsStreamKey = (prefix: string) => `${prefix}:step-events`;
export const STEP_EVENTS_GROUP = 'gateway';

/** Step names are `<system>.<action>`: the system decides the queue. */
export const StepName = z.enum([
  'simluhtan.verify_membership',
  'ekartutani.lookup_card',
  'bpjs.register_participant',
  'bank.collect_agent_cash',
  'bank.create_va',
  'bank.await_payment',
  'ekartutani.debit_card',
  'bpjs.post_contribution',
  // Claims (see claim-steps.ts for their inputs and results).
  'bpjs.check_coverage',
  'hospital.await_admission',
  'plkk.report_case',
  'hospital.notify_guarantee',
  'hospital.await_discharge',
  'plkk.report_followup',
  'bpjs.submit_claim',
  'bpjs.await_decision',
  'bank.pay_hospital',
  'bank.pay_benefit',
  'ekartutani.credit_card',
  'bank.pay_heir',
]);
export type StepName = z.infer<typeof StepName>;

export function systemOf(step: StepName): PartnerSystem {
  return PartnerSystem.parse(step.split('.')[0]);
}

export const NikInput = z.object({ nik: z.string().regex(/^\d{16}$/) });

export const BpjsRegisterInput = z.object({
  nik: z.string().regex(/^\d{16}$/),
  fullName: z.string(),
  birthDate: z.string(),
  sex: z.enum(['M', 'F']),
  villageCode: z.string(),
  declaredMonthlyIncome: z.number().int(),
  phone: z.string().optional(),
});

/** Steps a partner completes on its own (a webhook), with no job of ours to run. */
export const EXTERNAL_STEPS: ReadonlySet<StepName> = new Set([
  'bank.await_payment', 'hospital.await_admission', 'hospital.await_discharge', 'bpjs.await_decision',
]);

const Rupiah = z.number().int().positive();
export const AgentCashInput = z.object({ sourceAccountNo: z.string().regex(/^\d{6,20}$/), amount: Rupiah });
export const CreateVaInput = z.object({ customerNo: z.string().regex(/^\d{1,20}$/), name: z.string(), amount: Rupiah, expiresAt: z.string() });
export const CardDebitInput = z.object({ nik: z.string().regex(/^\d{16}$/), amount: Rupiah });
export const PostContributionInput = z.object({
  kpj: z.string().regex(/^\d{11}$/),
  months: z.number().int().min(1).max(12),
  periodStart: z.string().regex(/^\d{4}-\d{2}$/),
  amount: Rupiah,
  channel: z.enum(['agent_cash', 'bank_va', 'kartu_tani_debit']),
  bankReference: z.string(),
});

/** What each step needs from the operation; validated before `add` and again in the worker. */
export const StepInputs = {
  'simluhtan.verify_membership': NikInput,
  'ekartutani.lookup_card': NikInput,
  'bpjs.register_participant': BpjsRegisterInput,
  'bank.collect_agent_cash': AgentCashInput,
  'bank.create_va': CreateVaInput,
  'bank.await_payment': z.object({}),
  'ekartutani.debit_card': CardDebitInput,
  'bpjs.post_contribution': PostContributionInput,
  ...CLAIM_STEP_INPUTS,
} satisfies Record<StepName, z.ZodType>;

/**
 * A command for an adapter. `idempotencyKey` is derived from the operation and step and is sent to
 * the partner, so a retry or a replay never does the same thing twice there.
 */
export const StepJob = z.object({
  operationId: z.uuid(),
  correlationId: z.string(),
  step: StepName,
  idempotencyKey: z.string(),
  input: z.record(z.string(), z.unknown()),
  /** How many times an operator replayed this step: events of an earlier generation are stale. */
  replay: z.number().int().min(0).default(0),
  /**
   * The reconciler's republication this job is (0: the step's first publication). Only the job ids
   * differ: BullMQ keeps a finished job for a while and ignores an add under its id.
   */
  recovery: z.number().int().min(0).default(0),
});
export type StepJob = z.infer<typeof StepJob>;

export const StepOutcome = z.enum(['succeeded', 'rejected', 'attempt_failed', 'failed']);
export type StepOutcome = z.infer<typeof StepOutcome>;

/** What an adapter tells the gateway after each attempt of a step. */
export const StepEvent = z.object({
  operationId: z.uuid(),
  correlationId: z.string(),
  step: StepName,
  attempt: z.number().int().min(1),
  replay: z.number().int().min(0).default(0),
  /** The step job's `recovery`, so that a republished step's events are not taken for its first job's. */
  recovery: z.number().int().min(0).default(0),
  outcome: StepOutcome,
  result: z.record(z.string(), z.unknown()).optional(),
  reasonCode: z.string().optional(),
  errorCode: z.string().optional(),
  partnerStatus: z.number().int().optional(),
  durationMs: z.number().nonnegative(),
  at: z.string(),
});
export type StepEvent = z.infer<typeof StepEvent>;

const recoverySuffix = (recovery: number) => (recovery > 0 ? `.c${recovery}` : '');

/**
 * Deterministic BullMQ job ids: adding the same step twice while it exists is a no-op. An operator's
 * replay (`.r<n>`) and a reconciler's recovery (`.c<n>`) each take an id of their own, since BullMQ
 * keeps finished jobs for a while and an add under a kept id would do nothing.
 */
export const jobIds = {
  step: (operationId: string, step: StepName, replay = 0, recovery = 0) =>
    `${operationId}.${step}${replay > 0 ? `.r${replay}` : ''}${recoverySuffix(recovery)}`,
  event: (e: Pick<StepEvent, 'operationId' | 'step' | 'attempt' | 'outcome' | 'replay'> & { recovery?: number }) =>
    `${e.operationId}.${e.step}.${e.replay}.${e.attempt}.${e.outcome}${recoverySuffix(e.recovery ?? 0)}`,
};

/** Results each step returns on success. */
export const MembershipResult = z.object({
  farmerGroupId: z.string(),
  farmerGroupName: z.string(),
  extensionWorkerId: z.string(),
  extensionWorkerName: z.string(),
});
export const CardResult = z.object({
  found: z.boolean(),
  cardNumberMasked: z.string().optional(),
  status: z.enum(['active', 'blocked']).optional(),
  bankCode: z.string().optional(),
  accountMasked: z.string().optional(),
});
export const ParticipantResult = z.object({ kpj: z.string() });
/** A payment step's result: the bank's (or card system's) reference and the amount moved. */
export const PaymentResult = z.object({ bankReference: z.string(), amount: z.number().int() });
export const VaResult = z.object({ virtualAccountNo: z.string(), expiresAt: z.string() });
export const PostingResult = z.object({ receipt: z.string(), periodStart: z.string(), periodEnd: z.string() });

/**
 * Options for step jobs. The adapter owns its partner's retry policy (attempt count and backoff,
 * through its worker's backoff strategy), so the ceiling here is only a backstop.
 */
export const STEP_JOB_OPTIONS = {
  attempts: 1_000,
  backoff: { type: 'partner' },
  // A completed step is in the ledger (its event); keeping the job would only fill Redis. A publish
  // again after that finds no job and runs again, under the same partner idempotency key.
  removeOnComplete: true,
  removeOnFail: { age: 30 * 24 * 3_600 },
} as const;

/** Options for the events adapters publish back to the gateway. */
export const EVENT_JOB_OPTIONS = {
  attempts: 25,
  backoff: { type: 'exponential', delay: 200 },
  // Applied means in the ledger; an event applied twice changes nothing there.
  removeOnComplete: true,
  removeOnFail: { age: 30 * 24 * 3_600 },
} as const;

/**
 * A partner's notification handed over to the gateway: kept ten minutes once applied, so that an
 * adapter that starts listening after the gateway finished it still finds it completed.
 */
export const HANDED_OVER_EVENT_JOB_OPTIONS = { ...EVENT_JOB_OPTIONS, removeOnComplete: { age: 600 } } as const;
