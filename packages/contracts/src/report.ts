import { z } from 'zod';
import { PeriodSchema } from './contribution.ts';

/**
 * The monthly review (the 5th of each month): figures per extension centre (BPP), village, farmer
 * group and agent, the BPP ranking, and the queues that bring Simluhtan's directory to the gateway.
 */

/** The gateway's queue for review work: the monthly snapshot job and Simluhtan directory pages. */
export const GATEWAY_REPORTS_QUEUE = 'gateway-reports';
/** The simluhtan adapter's queue for reading the whole farmer-group directory (not a step of any operation). */
export const SIMLUHTAN_DIRECTORY_QUEUE = 'simluhtan-directory';

export const DirectoryRefreshJob = z.object({
  refreshId: z.string().min(1).max(100),
  requestedAt: z.string(),
});
export type DirectoryRefreshJob = z.infer<typeof DirectoryRefreshJob>;

/** One page of Simluhtan's farmer-group directory: counts only, no personal data. */
export const DirectoryPage = z.object({
  refreshId: z.string(),
  page: z.number().int().min(1),
  pages: z.number().int().min(1),
  total: z.number().int().min(0),
  readAt: z.string(),
  groups: z.array(z.object({
    id: z.string(),
    name: z.string(),
    villageCode: z.string().regex(/^\d{10}$/),
    kecamatanCode: z.string().regex(/^\d{6}$/),
    extensionWorkerId: z.string().nullable(),
    memberCount: z.number().int().min(0),
  })),
});
export type DirectoryPage = z.infer<typeof DirectoryPage>;

export const ReportLevel = z.enum(['bpp', 'village', 'group', 'agent']);
export type ReportLevel = z.infer<typeof ReportLevel>;

export const ReportFigures = z.object({
  registrations: z.number().int().describe('participants registered (KPJ issued) during the month'),
  activeParticipants: z.number().int().describe('participants covered on the last day of the month (covered_until >= that day)'),
  pendingFirstPayment: z.number().int().describe('registered by month end, no contribution posted yet'),
  inArrears: z.number().int().describe('coverage ended before month end, membership not yet lapsed'),
  lapsed: z.number().int().describe('more than LAPSE_AFTER_MONTHS unpaid months at month end'),
  listedFarmers: z.number().int().nullable().describe('farmers Simluhtan lists in the groups of this unit (null for agents)'),
  coverageRate: z.number().nullable().describe('activeParticipants / listedFarmers, 0..1 (null when unknown)'),
  contributions: z.number().int().describe('contributions posted at BPJS during the month'),
  contributionsAmount: z.number().int().describe('rupiah of those contributions'),
  jkkReported: z.number().int().describe('accident (JKK) cases reported during the month'),
  jkkPaid: z.number().int().describe('JKK cases paid out during the month'),
  jkkPaidAmount: z.number().int().describe('rupiah paid out on those JKK cases'),
  jkmReported: z.number().int().describe('death (JKM) claims filed during the month'),
  jkmPaid: z.number().int().describe('JKM claims paid out during the month'),
  jkmPaidAmount: z.number().int().describe('rupiah paid out on those JKM claims'),
  agentFees: z.number().int().describe('agent fees accrued for the month (contribution shares and activation fees)'),
}).meta({ id: 'ReportFigures' });
export type ReportFigures = z.infer<typeof ReportFigures>;

export const ReportRow = z.object({
  key: z.string().describe('BPP (kecamatan) code, village code, farmer group id or agent id'),
  name: z.string(),
  bpp: z.string().nullable().describe('the kecamatan code of the BPP this row belongs to (null for an agent working in several)'),
  figures: ReportFigures,
});
export type ReportRow = z.infer<typeof ReportRow>;

export const ReportChange = z.object({
  level: z.union([ReportLevel, z.literal('total')]),
  key: z.string(),
  field: z.string(),
  from: z.number().nullable(),
  to: z.number().nullable(),
});
export type ReportChange = z.infer<typeof ReportChange>;

export const MonthlyReportQuery = z.object({
  period: PeriodSchema,
  level: ReportLevel.default('bpp'),
  bpp: z.string().regex(/^\d{6}$/, 'must be a 6-digit kecamatan code').optional().describe('only the rows of this BPP'),
  version: z.coerce.number().int().min(1).optional().describe('an earlier version of the snapshot (default: the latest)'),
  format: z.enum(['json', 'csv']).optional().describe('csv: the same as Accept: text/csv (for a plain download link)'),
}).strict();

export const MonthlyReport = z.object({
  period: PeriodSchema,
  level: ReportLevel,
  monthEnd: z.string().describe('the last day of the month in Asia/Makassar'),
  provisional: z.boolean().describe('true for the current month: computed live, not stored'),
  version: z.number().int().nullable().describe('snapshot version (null when provisional)'),
  producedAt: z.string(),
  trigger: z.string().describe('schedule, on_read, rerun or live'),
  directoryAsOf: z.string().nullable().describe('when the Simluhtan counts behind listedFarmers were read'),
  rows: z.array(ReportRow),
  totals: ReportFigures,
  changes: z.array(ReportChange).nullable().describe('what differs from the previous version (null for version 1)'),
}).meta({ id: 'MonthlyReport' });
export type MonthlyReport = z.infer<typeof MonthlyReport>;

export const SnapshotRunRequest = z.object({ period: PeriodSchema, reason: z.string().trim().min(3).max(500) }).strict();

export const SnapshotRun = z.object({
  period: PeriodSchema,
  version: z.number().int(),
  previousVersion: z.number().int().nullable(),
  producedAt: z.string(),
  changes: z.array(ReportChange).describe('every figure that differs from the previous version'),
}).meta({ id: 'SnapshotRun' });

export const RankingWeights = z.object({
  coverageGrowth: z.number().min(0),
  continuity: z.number().min(0),
  registrations: z.number().min(0),
});
export type RankingWeights = z.infer<typeof RankingWeights>;

const ScorePart = z.object({
  value: z.number().describe('the raw measure'),
  scaled: z.number().describe('0..100: the value over the best BPP\'s value (negative values count 0)'),
  weight: z.number(),
  points: z.number().describe('scaled × weight / sum of weights'),
});

export const RankingEntry = z.object({
  rank: z.number().int(),
  bpp: z.string(),
  name: z.string(),
  score: z.number().describe('0..100: the sum of the parts\' points'),
  parts: z.object({
    coverageGrowth: ScorePart.describe('coverage rate at month end minus the month before, in percentage points'),
    continuity: ScorePart.describe('percent of paying participants (active + in arrears) fully paid at month end'),
    registrations: ScorePart.describe('new registrations per 1,000 farmers Simluhtan lists'),
  }),
});

export const Ranking = z.object({
  period: PeriodSchema,
  provisional: z.boolean(),
  version: z.number().int().nullable().describe('the snapshot version ranked'),
  weights: RankingWeights,
  method: z.string(),
  entries: z.array(RankingEntry),
}).meta({ id: 'Ranking' });
export type Ranking = z.infer<typeof Ranking>;

export const TrendQuery = z.object({
  period: PeriodSchema.describe('the last month of the trend'),
  bpp: z.string().regex(/^\d{6}$/, 'must be a 6-digit kecamatan code').optional().describe('one BPP (default: the whole district)'),
  months: z.coerce.number().int().min(1).max(24).default(12),
}).strict();

export const Trend = z.object({
  bpp: z.string().nullable(),
  points: z.array(z.object({
    period: PeriodSchema, activeParticipants: z.number().int(), inArrears: z.number().int(), lapsed: z.number().int(), provisional: z.boolean(),
  })),
}).meta({ id: 'Trend' });

export const FollowUpStatus = z.enum(['ending_soon', 'in_arrears', 'lapsed']);
export const FollowUps = z.object({
  agent: z.string(),
  asOf: z.string().describe('today in Asia/Makassar'),
  withinDays: z.number().int(),
  items: z.array(z.object({
    kpj: z.string(),
    nikMasked: z.string(),
    fullName: z.string(),
    villageCode: z.string(),
    villageName: z.string(),
    farmerGroup: z.string().nullable(),
    coveredUntil: z.string(),
    status: FollowUpStatus,
    daysLeft: z.number().int().describe('days until coverage ends (negative once ended)'),
    monthsInArrears: z.number().int(),
    monthlyAmount: z.number().int(),
  })),
}).meta({ id: 'FollowUps' });
