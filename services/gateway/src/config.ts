import { z } from 'zod';
import { publicKeyAlgorithm } from './token-keys.ts';
import { JobSigningSecrets, commonEnv, envFlag, internalEnv, parseConfig } from '@sutasoma/service-kit';
import { PiiIndexKey, PiiKeys } from '@sutasoma/pii';
import type { ClaimRules } from './flows/claim-rules.ts';
import { parseWeights } from './reports/ranking.ts';

const csvInts = (def: string) => z.string().default(def).transform((s, ctx) => {
  const values = s.split(',').map((v) => Number(v.trim()));
  if (values.some((v) => !Number.isInteger(v) || v <= 0)) {
    ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of positive integers' });
    return z.NEVER;
  }
  return values.sort((a, b) => a - b);
});

export const ConfigSchema = z.object({
  ...commonEnv,
  ...internalEnv,
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  /** Where people reach the gateway (https in production): browsers' writes must come from this origin. */
  PUBLIC_URL: z.string().url().optional(),
  /**
   * The reverse proxy in front (Fastify's trustProxy): `true`, or its addresses/CIDRs, comma-separated.
   * Set it behind TLS termination so cookies are Secure and addresses are clients'.
   */
  TRUST_PROXY: z.string().optional().transform((v): boolean | string => (v === undefined || v === '' || v === 'false' ? false : v === 'true' ? true : v)),
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/sutasoma'),
  DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('public'),
  DB_POOL_MAX: z.coerce.number().int().min(2).default(20),
  /** Acceptance's own connections (group commit: each commits many commands), apart from background work's. */
  DB_ACCEPT_POOL_MAX: z.coerce.number().int().min(1).default(2),
  /**
   * Seeded demo accounts, a token endpoint for them and sign-in forms taking their password: for
   * `npm start` and tests only. Refused with NODE_ENV=production or an identity provider's key.
   */
  DEMO_MODE: envFlag,
  /** The demo accounts' password; required in demo mode (no default: `npm start` gives one). */
  DEMO_PASSWORD: z.string().min(8).optional(),
  NODE_ENV: z.string().optional(),
  /** HS256 secret for tokens this gateway issues (demo) or accepts. */
  JWT_SECRET: z.string().min(32).optional(),
  /**
   * PEM public key (RSA, RSA-PSS, P-256 or Ed25519) of the identity provider that issues agents' tokens;
   * anything else is refused at start, so a key can never be taken for an HMAC secret.
   */
  JWT_PUBLIC_KEY: z.string().optional().refine((k) => k === undefined || publicKeyAlgorithm(k) !== null,
    'must be a PEM public key (-----BEGIN PUBLIC KEY-----) of RSA, RSA-PSS, P-256 or Ed25519'),
  /**
   * Secrets (32+ characters each, comma-separated; the first signs) of the HMAC on every step job the
   * gateway gives the adapters: they run no job without it. Shared with every adapter.
   */
  JOB_SIGNING_SECRETS: JobSigningSecrets,
  JWT_ISSUER: z.string().default('sutasoma'),
  /** The audience every token must name (`aud`): tokens issued for another service are refused. */
  JWT_AUDIENCE: z.string().min(1).default('sutasoma-gateway'),
  /** Life of the tokens this gateway issues (demo sign-in, the token endpoint). */
  TOKEN_TTL_S: z.coerce.number().int().positive().default(8 * 3600),
  /** The longest life a token may have, whoever issued it: one issued (`iat`) longer ago is refused. */
  TOKEN_MAX_AGE_S: z.coerce.number().int().positive().default(24 * 3600),
  /** Requests per minute one principal may make on /v1 (counted in Redis, across replicas); 429 beyond. */
  RATE_LIMIT_API_PER_MIN: z.coerce.number().int().positive().default(600),
  /** Sign-in attempts per minute per username (token endpoint, ops and review forms); three times as many per address. */
  RATE_LIMIT_SIGN_IN_PER_MIN: z.coerce.number().int().positive().default(10),
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(16 * 1024),
  /** Personal data sealed in the ledger and the queues: `kid:base64key,…` (32 bytes each), the first sealing (see @sutasoma/pii). */
  PII_KEYS: PiiKeys,
  /** The blind index of NIKs and the idempotency digest: the base64 of 32 to 64 random bytes; never rotated without re-indexing. */
  PII_INDEX_KEY: PiiIndexKey,
  /** Program rules (PP 44/2015 BPU participants); configuration, never code. */
  MIN_AGE: z.coerce.number().int().min(0).default(15),
  MAX_AGE: z.coerce.number().int().min(1).default(65),
  INCOME_BRACKETS: csvInts('1000000,1500000,2000000,2500000,3000000,3500000,4000000,4500000,5000000'),
  /** Contribution rules for BPU participants (PP 44/2015): integer rupiah, configuration. */
  JKK_RATE_BPS: z.coerce.number().int().min(1).default(100),
  JKK_MIN: z.coerce.number().int().min(0).default(10_000),
  JKK_MAX: z.coerce.number().int().min(0).default(207_000),
  JKM_AMOUNT: z.coerce.number().int().min(0).default(6_800),
  CONTRIBUTION_MONTHS: csvInts('1,2,3,6,12'),
  LAPSE_AFTER_MONTHS: z.coerce.number().int().min(1).default(3),
  VA_EXPIRY_S: z.coerce.number().int().min(1).default(24 * 3600),
  /** The agent's fees by the cooperation agreement (PKS). */
  AGENT_FEE_BPS: z.coerce.number().int().min(0).default(750),
  AGENT_SHARE_PERCENT: z.coerce.number().int().min(0).max(100).default(90),
  AGENT_ACTIVATION_FEE: z.coerce.number().int().min(0).default(5_000),
  /** Claim rules (PP 44/2015, Permenaker 26/2015): configuration, integer rupiah. */
  JKK_REPORT_DEADLINE_HOURS: z.coerce.number().int().min(1).default(48),
  JKK_CLAIM_WINDOW_DAYS: z.coerce.number().int().min(1).default(730),
  /** Two reports of one farmer's accident whose dates are this close are one case. */
  CLAIM_MERGE_WINDOW_DAYS: z.coerce.number().int().min(0).default(3),
  JKK_LOST_INCOME_PERCENT: z.coerce.number().int().min(0).max(100).default(100),
  JKM_LUMP_SUM: z.coerce.number().int().min(0).default(20_000_000),
  JKM_FUNERAL: z.coerce.number().int().min(0).default(10_000_000),
  JKM_PERIODIC: z.coerce.number().int().min(0).default(12_000_000),
  JKM_EDUCATION_MIN_MONTHS: z.coerce.number().int().min(0).default(36),
  JKM_EDUCATION_PER_YEAR: z.string().default('tk_sd=1500000,smp=2000000,sma=3000000,university=12000000').transform((s, ctx) => {
    const pairs = s.split(',').filter(Boolean).map((p) => p.split('='));
    const levels = ['tk_sd', 'smp', 'sma', 'university'];
    if (pairs.some(([k, v]) => !levels.includes(k ?? '') || !Number.isInteger(Number(v)) || Number(v) < 0)) {
      ctx.addIssue({ code: 'custom', message: `must be level=rupiah pairs, levels ${levels.join(', ')}` });
      return z.NEVER;
    }
    return Object.fromEntries(pairs.map(([k, v]) => [k!, Number(v)])) as Record<string, number>;
  }),
  INTAKE_CONCURRENCY: z.coerce.number().int().min(1).default(8),
  /** How long a hospital discharge may wait for its admission before it is refused. */
  INTAKE_ORDER_WAIT_MS: z.coerce.number().int().min(0).default(60_000),
  /** Each adapter's internal address (its breaker), for the ops view of the breakers: `system=url,…`. */
  ADAPTER_URLS: z.string().default('simluhtan=http://127.0.0.1:9081,ekartutani=http://127.0.0.1:9082,bpjs=http://127.0.0.1:9083,plkk=http://127.0.0.1:9084,bank=http://127.0.0.1:9085,hospital=http://127.0.0.1:9086')
    .transform((s) => Object.fromEntries(s.split(',').filter(Boolean).map((pair) => pair.split('=') as [string, string]))),
  /** How long the ops view of the breakers waits for each adapter before showing it `unknown`. */
  ADAPTER_PROBE_TIMEOUT_MS: z.coerce.number().int().positive().default(1_000),
  /** The monthly review: day of month and time (Asia/Makassar) the previous month's snapshot is produced. */
  REVIEW_DAY: z.coerce.number().int().min(1).max(28).default(5),
  REVIEW_TIME: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM').default('00:30'),
  /** The programme's first month: reports of earlier months are refused (no snapshot is made for them). */
  PROGRAMME_START: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM').default('2025-01'),
  /** How long the current month's live report is kept and served again before it is computed afresh. */
  LIVE_REPORT_CACHE_MS: z.coerce.number().int().min(0).default(30_000),
  /** Weights of the BPP ranking's parts (see src/reports/ranking.ts). */
  RANKING_WEIGHTS: z.string().default('coverageGrowth=0.5,continuity=0.3,registrations=0.2').transform((s, ctx) => {
    const w = parseWeights(s);
    if (typeof w === 'string') {
      ctx.addIssue({ code: 'custom', message: w });
      return z.NEVER;
    }
    return w;
  }),
  /** Participants whose coverage ends within this many days are on the agent's follow-up list. */
  FOLLOW_UP_DAYS: z.coerce.number().int().min(0).default(14),
  /** Simluhtan's farmer-group directory is read again daily at this time (Asia/Makassar), and at start. */
  DIRECTORY_REFRESH_TIME: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM').default('00:05'),
  /** Step events read from the stream (and handed-over jobs held) at once, and the most applied in one transaction. */
  EVENTS_CONCURRENCY: z.coerce.number().int().min(1).default(128),
  /**
   * Step-event transactions in flight at once (each a batch of events). One, by default: fewer, larger
   * batches cost PostgreSQL less per event (measured in the benchmark against 2 and 3).
   */
  EVENTS_TRANSACTIONS: z.coerce.number().int().min(1).default(1),
  /**
   * An entry of the step-events stream pending this long (read by a gateway that died, or refused by the
   * ledger) is taken up again by a live gateway.
   */
  EVENTS_RECLAIM_MS: z.coerce.number().int().min(500).default(10_000),
  /** Deliveries after which a step event the ledger refuses for what it holds is set aside in `<prefix>:step-events:dead`. */
  EVENTS_MAX_DELIVERIES: z.coerce.number().int().min(1).default(25),
  /** How long the gateway's workers hold an event; a crashed gateway's events are taken up again after it. */
  WORKER_LOCK_MS: z.coerce.number().int().min(1_000).default(30_000),
  RELAY_POLL_MS: z.coerce.number().int().positive().default(1_000),
  /** An unfinished operation untouched this long has its current step published again. */
  RECONCILE_AFTER_MS: z.coerce.number().int().positive().default(60_000),
  RECONCILE_EVERY_MS: z.coerce.number().int().positive().default(10_000),
}).superRefine((c, ctx) => {
  if (c.DEMO_MODE) {
    if (c.NODE_ENV === 'production') ctx.addIssue({ code: 'custom', path: ['DEMO_MODE'], message: 'demo mode is refused with NODE_ENV=production' });
    if (c.JWT_PUBLIC_KEY) ctx.addIssue({ code: 'custom', path: ['DEMO_MODE'], message: 'demo mode is refused when an identity provider\'s key (JWT_PUBLIC_KEY) is configured' });
    if (!c.DEMO_PASSWORD) ctx.addIssue({ code: 'custom', path: ['DEMO_PASSWORD'], message: 'is required in demo mode' });
  }
  if (!c.DEMO_MODE && !c.JWT_SECRET && !c.JWT_PUBLIC_KEY) {
    ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'JWT_SECRET or JWT_PUBLIC_KEY is required outside demo mode' });
  }
  if (c.MIN_AGE >= c.MAX_AGE) ctx.addIssue({ code: 'custom', path: ['MIN_AGE'], message: 'must be below MAX_AGE' });
  if (c.PII_KEYS.some((k) => k.key.equals(c.PII_INDEX_KEY))) {
    ctx.addIssue({ code: 'custom', path: ['PII_INDEX_KEY'], message: 'must be a key of its own, not one of PII_KEYS' });
  }
});
export type Config = z.infer<typeof ConfigSchema>;

export const contributionRules = (c: Config) => ({
  jkkRateBps: c.JKK_RATE_BPS, jkkMin: c.JKK_MIN, jkkMax: c.JKK_MAX, jkmAmount: c.JKM_AMOUNT,
  allowedMonths: c.CONTRIBUTION_MONTHS, lapseAfterMonths: c.LAPSE_AFTER_MONTHS,
});
export const feeRules = (c: Config) => ({
  contributionBps: c.AGENT_FEE_BPS, agentSharePercent: c.AGENT_SHARE_PERCENT, activationFee: c.AGENT_ACTIVATION_FEE,
});

export const claimRules = (c: Config): ClaimRules => ({
  reportDeadlineHours: c.JKK_REPORT_DEADLINE_HOURS,
  claimWindowDays: c.JKK_CLAIM_WINDOW_DAYS,
  mergeWindowDays: c.CLAIM_MERGE_WINDOW_DAYS,
  lostIncomePercent: c.JKK_LOST_INCOME_PERCENT,
  jkm: {
    lumpSum: c.JKM_LUMP_SUM, funeral: c.JKM_FUNERAL, periodic: c.JKM_PERIODIC,
    educationMinMonths: c.JKM_EDUCATION_MIN_MONTHS, educationPerYear: c.JKM_EDUCATION_PER_YEAR,
  },
});

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => parseConfig(ConfigSchema, env);
