import { z } from 'zod';
import { PartnerSystem, StepName } from './queues.ts';

/** A step that failed for good: the unit operators list, replay or discard. Never personal data. */
export const FailedJob = z.object({
  jobId: z.string().describe('`<operation id>.<step>`'),
  operationId: z.uuid(),
  kind: z.string().describe('registration, contribution, jkk_claim or jkm_claim'),
  step: StepName,
  system: PartnerSystem,
  errorCode: z.string().nullable(),
  partnerStatus: z.number().int().nullable(),
  attempts: z.number().int(),
  replays: z.number().int(),
  correlationId: z.string(),
  failedAt: z.string(),
}).meta({ id: 'FailedJob' });
export type FailedJob = z.infer<typeof FailedJob>;

export const FailedJobsQuery = z.object({
  state: z.literal('failed').default('failed'),
  system: PartnerSystem.optional(),
  code: z.string().max(64).optional().describe('error code, e.g. PARTNER_AUTH'),
  kind: z.enum(['registration', 'contribution', 'jkk_claim', 'jkm_claim']).optional(),
  since: z.iso.datetime({ offset: true }).optional().describe('failed at or after this instant'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
}).strict();
export type FailedJobsQuery = z.infer<typeof FailedJobsQuery>;

export const FailedJobsPage = z.object({
  items: z.array(FailedJob),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
}).meta({ id: 'FailedJobsPage' });

const Reason = z.string().trim().min(3).max(500).describe('why: kept in the audit trail');

/** Replay or discard: some jobs by id, or every failed job matching a filter. */
export const JobSelection = z.object({
  jobIds: z.array(z.string().regex(/^[0-9a-f-]{36}\.[a-z]+\.[a-z_]+$/, 'must be `<operation id>.<step>`')).min(1).max(1000).optional(),
  filter: FailedJobsQuery.omit({ state: true, limit: true, offset: true }).optional(),
  reason: Reason,
  dryRun: z.boolean().optional()
    .describe('say what would be done, do nothing. Default: a selection by filter (up to 10,000 jobs, payouts included) is a dry run unless `false` is given; a selection by ids runs'),
}).strict().refine((s) => (s.jobIds === undefined) !== (s.filter === undefined), { message: 'give exactly one of jobIds or filter', path: ['jobIds'] })
  .meta({ id: 'JobSelection' });
export type JobSelection = z.infer<typeof JobSelection>;

export const JobActionResult = z.object({
  action: z.enum(['replay', 'discard']),
  dryRun: z.boolean(),
  done: z.array(z.string()).describe('job ids replayed or discarded (or that would be, in a dry run)'),
  skipped: z.array(z.object({ jobId: z.string(), reason: z.string() })),
  auditId: z.number().int().nullable(),
}).meta({ id: 'JobActionResult' });
export type JobActionResult = z.infer<typeof JobActionResult>;

export const TimelineEntry = z.object({
  at: z.string(),
  kind: z.string().describe('accepted, step_succeeded, step_attempt_failed, step_failed, step_rejected, status_changed, step_skipped, step_republished, report_merged, replayed, discarded, payout_account_decided'),
  step: z.string().nullable(),
  attempt: z.number().int().nullable(),
  detail: z.record(z.string(), z.unknown()),
});

export const Timeline = z.object({
  operationId: z.uuid(),
  kind: z.string(),
  status: z.string(),
  correlationId: z.string(),
  entries: z.array(TimelineEntry),
}).meta({ id: 'Timeline' });

export const BreakerView = z.object({
  system: z.string(),
  state: z.enum(['closed', 'open', 'half_open', 'unknown']),
  errorRate: z.number().nullable(),
  lastChange: z.string().nullable(),
  adapter: z.string().describe('where the breaker lives'),
  error: z.string().optional(),
});
export const Breakers = z.object({ items: z.array(BreakerView) }).meta({ id: 'Breakers' });
