import type { ReportChange, ReportFigures, ReportLevel, ReportRow } from '@sutasoma/contracts';
import { withTransaction, type Pool, type PoolClient } from '@sutasoma/ledger';
import { LEVELS, computeReport, monthCutoff } from './figures.ts';

/**
 * Stored monthly snapshots. Version 1 of a month is produced by the scheduled job (or on the first
 * read of a past month); it is never updated (a trigger refuses it). A re-run stores version n+1
 * with every figure that differs from version n.
 */

export interface Snapshot {
  period: string;
  version: number;
  producedAt: string;
  trigger: string;
  directoryAsOf: string | null;
  totals: ReportFigures;
  changes: ReportChange[] | null;
  rows: Record<ReportLevel, ReportRow[]>;
}

export interface SnapshotMeta {
  id: string;
  period: string;
  version: number;
  producedAt: string;
}

export interface ProduceOptions {
  trigger: 'schedule' | 'on_read' | 'rerun';
  requestedBy?: string;
  reason?: string;
  lapseAfterMonths: number;
}

const FIGURE_FIELDS: readonly (keyof ReportFigures)[] = [
  'registrations', 'activeParticipants', 'pendingFirstPayment', 'inArrears', 'lapsed', 'listedFarmers', 'coverageRate',
  'contributions', 'contributionsAmount', 'jkkReported', 'jkkPaid', 'jkkPaidAmount', 'jkmReported', 'jkmPaid', 'jkmPaidAmount', 'agentFees',
];

/** Every figure that differs between two versions, row by row; a row only one has counts as zeros on the other. */
export function diffSnapshots(before: Pick<Snapshot, 'rows' | 'totals'>, after: Pick<Snapshot, 'rows' | 'totals'>): ReportChange[] {
  const changes: ReportChange[] = [];
  const compare = (level: ReportChange['level'], key: string, a: ReportFigures | undefined, b: ReportFigures | undefined) => {
    for (const field of FIGURE_FIELDS) {
      const from = a ? a[field] : null;
      const to = b ? b[field] : null;
      if ((from ?? 0) !== (to ?? 0)) changes.push({ level, key, field, from, to });
    }
  };
  compare('total', 'total', before.totals, after.totals);
  for (const level of LEVELS) {
    const a = new Map(before.rows[level].map((r) => [r.key, r.figures]));
    const b = new Map(after.rows[level].map((r) => [r.key, r.figures]));
    for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) compare(level, key, a.get(key), b.get(key));
  }
  return changes;
}

async function latestMeta(db: Pick<PoolClient, 'query'>, period: string): Promise<{ id: string; version: number } | null> {
  const { rows } = await db.query<{ id: string; version: number }>(
    'SELECT id, version FROM report_snapshots WHERE period = $1 ORDER BY version DESC LIMIT 1', [period],
  );
  return rows[0] ?? null;
}

/** Reads a stored snapshot: the latest version, or the one asked for; null when none exists. */
export async function readSnapshot(db: Pick<PoolClient, 'query'>, period: string, version?: number): Promise<Snapshot | null> {
  const { rows } = await db.query<{ id: string; version: number; produced_at: Date; trigger: string; directory_as_of: Date | null; totals: ReportFigures; changes: ReportChange[] | null }>(
    `SELECT id, version, produced_at, trigger, directory_as_of, totals, changes FROM report_snapshots
      WHERE period = $1 AND ($2::int IS NULL OR version = $2) ORDER BY version DESC LIMIT 1`,
    [period, version ?? null],
  );
  const s = rows[0];
  if (!s) return null;
  const r = await db.query<{ level: ReportLevel; key: string; name: string; bpp: string | null; figures: ReportFigures }>(
    'SELECT level, key, name, bpp, figures FROM report_snapshot_rows WHERE snapshot_id = $1 ORDER BY level, key', [s.id],
  );
  const byLevel = Object.fromEntries(LEVELS.map((l) => [l, [] as ReportRow[]])) as unknown as Record<ReportLevel, ReportRow[]>;
  for (const row of r.rows) byLevel[row.level].push({ key: row.key, name: row.name, bpp: row.bpp, figures: row.figures });
  return {
    period, version: s.version, producedAt: s.produced_at.toISOString(), trigger: s.trigger,
    directoryAsOf: s.directory_as_of ? s.directory_as_of.toISOString() : null, totals: s.totals, changes: s.changes, rows: byLevel,
  };
}

/**
 * Produces the next version of a month from the ledger, in one transaction under a lock on the
 * month (two producers at once make two versions, one after the other, never a clash). With
 * `onlyIfMissing`, an existing snapshot is returned unchanged: the scheduled job is safe to run twice.
 */
export async function produceSnapshot(pool: Pool, period: string, opts: ProduceOptions & { onlyIfMissing?: boolean }): Promise<Snapshot> {
  await withTransaction(pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`report:${period}`]);
    const previous = await latestMeta(tx, period);
    if (previous && opts.onlyIfMissing) return;
    const computed = await computeReport(tx, period, opts.lapseAfterMonths);
    const before = previous ? await readSnapshot(tx, period, previous.version) : null;
    const changes = before ? diffSnapshots(before, computed) : null;
    const version = (previous?.version ?? 0) + 1;
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO report_snapshots (period, version, trigger, requested_by, reason, cutoff, directory_as_of, totals, changes)
       VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7, $8, $9) RETURNING id`,
      [period, version, opts.trigger, opts.requestedBy ?? null, opts.reason ?? null, monthCutoff(period), computed.directoryAsOf,
        JSON.stringify(computed.totals), changes ? JSON.stringify(changes) : null],
    );
    const id = rows[0]!.id;
    const all = LEVELS.flatMap((level) => computed.rows[level].map((r) => ({ level, ...r })));
    await tx.query(
      `INSERT INTO report_snapshot_rows (snapshot_id, level, key, name, bpp, figures)
       SELECT $1, r.level, r.key, r.name, r.bpp, r.figures FROM jsonb_to_recordset($2::jsonb) AS r(level text, key text, name text, bpp text, figures jsonb)`,
      [id, JSON.stringify(all)],
    );
  });
  return (await readSnapshot(pool, period))!;
}

/** A past month's latest snapshot, produced now (version 1) when none exists yet. */
export async function snapshotFor(pool: Pool, period: string, lapseAfterMonths: number): Promise<Snapshot> {
  return (await readSnapshot(pool, period)) ?? produceSnapshot(pool, period, { trigger: 'on_read', lapseAfterMonths, onlyIfMissing: true });
}

/** The current month, computed live and not stored: it is not over, so it may still change. */
export async function liveReport(pool: Pool, period: string, lapseAfterMonths: number): Promise<Snapshot> {
  const computed = await computeReport(pool, period, lapseAfterMonths);
  return { period, version: 0, producedAt: new Date().toISOString(), trigger: 'live', changes: null, ...computed };
}
