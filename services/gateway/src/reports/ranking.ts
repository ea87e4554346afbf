import { KECAMATAN, type ReportFigures, type ReportRow, type RankingWeights } from '@sutasoma/contracts';

/**
 * The BPP ranking that decides the month's reward. Three measures per BPP:
 *
 *   coverageGrowth  coverage rate at month end minus at the end of the month before, in percentage points
 *   continuity      active / (active + in arrears) at month end, in percent: of those still holding
 *                   a membership, how many paid on time (lapsed and never-paid participants count in neither)
 *   registrations   new registrations per 1,000 farmers Simluhtan lists in the BPP
 *
 * Each measure is scaled to 0..100 against the best BPP of the month (value / best × 100; a negative
 * value or a best of 0 scales to 0), weighted (RANKING_WEIGHTS) and summed, the weights divided by
 * their sum so the score stays 0..100. Equal scores share a rank (1, 1, 3); the order among them is by code.
 */
export const RANKING_METHOD =
  'score = Σ weight × scaled / Σ weights; scaled = max(0, value) / max over the 8 BPP × 100; '
  + 'coverageGrowth = coverage rate change in percentage points, continuity = active / (active + in arrears) × 100, '
  + 'registrations = new registrations per 1,000 farmers Simluhtan lists';

type Part = 'coverageGrowth' | 'continuity' | 'registrations';
const PARTS: readonly Part[] = ['coverageGrowth', 'continuity', 'registrations'];

const round = (n: number, places = 2) => Math.round(n * 10 ** places) / 10 ** places;

export function measures(now: ReportFigures, before: ReportFigures | undefined): Record<Part, number> {
  const rate = (f: ReportFigures | undefined) => (f?.listedFarmers ? f.activeParticipants / f.listedFarmers : 0);
  const paying = now.activeParticipants + now.inArrears;
  return {
    coverageGrowth: round((rate(now) - rate(before)) * 100, 4),
    continuity: paying > 0 ? round((now.activeParticipants / paying) * 100, 4) : 0,
    registrations: now.listedFarmers ? round((now.registrations * 1000) / now.listedFarmers, 4) : 0,
  };
}

export interface RankingEntryOut {
  rank: number;
  bpp: string;
  name: string;
  score: number;
  parts: Record<Part, { value: number; scaled: number; weight: number; points: number }>;
}

/** Ranks the 8 BPP of a month from its BPP rows and those of the month before. */
export function rankBpps(rows: readonly ReportRow[], previousRows: readonly ReportRow[], weights: RankingWeights): RankingEntryOut[] {
  const now = new Map(rows.map((r) => [r.key, r]));
  const before = new Map(previousRows.map((r) => [r.key, r.figures]));
  const raw = KECAMATAN.map((k) => ({ k, m: now.get(k.code) ? measures(now.get(k.code)!.figures, before.get(k.code)) : { coverageGrowth: 0, continuity: 0, registrations: 0 } }));
  const best = Object.fromEntries(PARTS.map((p) => [p, Math.max(0, ...raw.map((r) => r.m[p]))])) as Record<Part, number>;
  const weightSum = PARTS.reduce((n, p) => n + weights[p], 0) || 1;
  const entries = raw.map(({ k, m }) => {
    const parts = Object.fromEntries(PARTS.map((p) => {
      const scaled = best[p] > 0 ? round((Math.max(0, m[p]) / best[p]) * 100) : 0;
      return [p, { value: m[p], scaled, weight: weights[p], points: round((scaled * weights[p]) / weightSum) }];
    })) as RankingEntryOut['parts'];
    const score = round(PARTS.reduce((n, p) => n + parts[p].points, 0));
    return { rank: 0, bpp: k.code, name: k.bpp, score, parts };
  });
  entries.sort((a, b) => b.score - a.score || a.bpp.localeCompare(b.bpp));
  entries.forEach((e, i) => { e.rank = i > 0 && entries[i - 1]!.score === e.score ? entries[i - 1]!.rank : i + 1; });
  return entries;
}

/** RANKING_WEIGHTS: `coverageGrowth=0.5,continuity=0.3,registrations=0.2`. */
export function parseWeights(s: string): RankingWeights | string {
  const out: Partial<Record<Part, number>> = {};
  for (const pair of s.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [k, v] = pair.split('=');
    const n = Number(v);
    if (!PARTS.includes(k as Part) || v === undefined || v.trim() === '' || !Number.isFinite(n) || n < 0) {
      return `must be name=weight pairs of ${PARTS.join(', ')}, each weight a number >= 0`;
    }
    out[k as Part] = n;
  }
  const w = { coverageGrowth: out.coverageGrowth ?? 0, continuity: out.continuity ?? 0, registrations: out.registrations ?? 0 };
  if (PARTS.every((p) => w[p] === 0)) return 'at least one weight must be above 0';
  return w;
}
