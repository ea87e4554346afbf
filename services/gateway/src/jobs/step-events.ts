import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnrecoverableError, Worker } from 'bullmq';
import { GATEWAY_EVENTS_QUEUE, STEP_EVENTS_GROUP, StepEvent, stepEventsStreamKey } from '@sutasoma/contracts';
import { GroupCommit, inTransaction, type Pool } from '@sutasoma/ledger';
import type { Pii } from '@sutasoma/pii';
import { Counter, Gauge, Histogram, createRedis, type Logger, type Redis, type Registry } from '@sutasoma/service-kit';
import { applyStepEvents, type EventOutcome, type FlowDefinition } from '../flows/engine.ts';

export interface StepEventsOptions {
  pool: Pool;
  pii: Pii;
  flows: ReadonlyMap<string, FlowDefinition>;
  /** The most events applied in one transaction. */
  maxBatch: number;
  /** Event transactions in flight at once. */
  transactions: number;
  logger: Logger;
  metrics: Registry;
  /** Called after an event committed, so a next step is published at once. */
  onApplied: () => void;
}

/** Applies one event, with the events submitted meanwhile, in one transaction; settles after its COMMIT. */
export type ApplyEvent = (e: StepEvent) => Promise<EventOutcome>;

/**
 * The one way events reach the ledger, whichever way they came (the step-events stream, or a
 * partner's notification handed over as a job): submitted together, applied in one transaction
 * (group commit), each answered only after that COMMIT; counted, and logged at debug, with one line
 * at info when the event ended its operation.
 */
export function stepEventApplier(opts: StepEventsOptions): ApplyEvent {
  const applied = new Counter({
    name: 'gateway_step_events_total',
    help: 'Step events by step, outcome and effect',
    labelNames: ['kind', 'step', 'outcome', 'effect'],
    registers: [opts.metrics],
  });
  const batchSize = new Histogram({
    name: 'gateway_step_event_batch_size',
    help: 'Step events applied in one transaction',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [opts.metrics],
  });
  const group = new GroupCommit<StepEvent, EventOutcome>(
    opts.pool,
    (client, events) => inTransaction(client, (tx) => applyStepEvents(tx, opts.pii, opts.flows, events)),
    { maxBatch: opts.maxBatch, maxInFlight: opts.transactions, onCommitted: (n) => batchSize.observe(n) },
  );
  return async (e) => {
    const res = await group.submit(e);
    applied.inc({ kind: res.kind ?? 'unknown', step: e.step, outcome: e.outcome, effect: res.effect });
    const line = { operationId: e.operationId, correlationId: e.correlationId, step: e.step, attempt: e.attempt, outcome: e.outcome, errorCode: e.errorCode, reasonCode: e.reasonCode, effect: res.effect, status: res.status };
    opts.logger.debug(line, 'step event');
    // One line at info when an operation ends: its status, and why when it did not succeed.
    if (res.from !== undefined && res.kind && opts.flows.get(res.kind)?.terminal.includes(res.status ?? '')) {
      opts.logger.info({ ...line, kind: res.kind, from: res.from, reason: res.reason?.code, reasonDetail: res.reason?.detail }, 'operation ended');
    }
    if (res.effect === 'applied') opts.onApplied();
    return res;
  };
}

export interface StepEventWorkerOptions {
  apply: ApplyEvent;
  connection: Redis;
  prefix: string;
  /** Jobs held at once. */
  concurrency: number;
  lockDurationMs: number;
  logger: Logger;
}

/**
 * Applies the partners' notifications adapters hand over as jobs (see HandOver in adapter-kit):
 * a job completes only after its event's COMMIT, which is what the adapter waits for before it
 * tells the partner "received"; a crash in between redelivers it, and a redelivered event is a
 * duplicate that changes nothing.
 */
export function createStepEventWorker(opts: StepEventWorkerOptions): Worker {
  const worker = new Worker(GATEWAY_EVENTS_QUEUE, async (job) => {
    const parsed = StepEvent.safeParse(job.data);
    if (!parsed.success) {
      opts.logger.error({ jobId: job.id }, 'unreadable step event');
      throw new UnrecoverableError('BAD_EVENT_PAYLOAD');
    }
    return opts.apply(parsed.data);
  }, {
    connection: opts.connection, prefix: opts.prefix, concurrency: opts.concurrency, autorun: false,
    lockDuration: opts.lockDurationMs, stalledInterval: opts.lockDurationMs,
  });
  worker.on('error', (err) => opts.logger.warn({ err: err.message }, 'events worker connection error'));
  return worker;
}

export interface StepEventStreamOptions {
  apply: ApplyEvent;
  redisUrl: string;
  /** For acknowledgements and for taking up entries left pending (not the blocking reads). */
  connection: Redis;
  prefix: string;
  /** Entries read at once. */
  count: number;
  /** An entry pending this long (its gateway died, or the ledger refused it) is taken up again. */
  reclaimAfterMs: number;
  /**
   * Deliveries after which an entry the ledger refuses for what it holds (a data error of its own,
   * not the ledger away) is set aside in the dead-letter stream, logged at error; the reconciler runs
   * its step again.
   */
  maxDeliveries: number;
  /**
   * Whether the ledger answers (a `SELECT 1`): asked when applying an event failed with an error that
   * does not name the event (no SQLSTATE of a data, integrity or PL/pgSQL error). The ledger answering,
   * the failure was the event's own (a sealed field that no key opens, say), handled as a refusal.
   */
  ledgerReachable: () => Promise<boolean>;
  logger: Logger;
  metrics: Registry;
}

/** SQLSTATE classes of an error about the event itself: data, integrity, PL/pgSQL. Anything else is the ledger away or busy. */
const ITEM_ERROR = /^(22|23|P0)/;

/** Pages of pending entries taken up at most in one pass. */
const RECLAIM_PAGES = 20;

type Entry = [id: string, fields: string[] | null];

/**
 * Reads the results adapters append to the step-events stream, as one of the gateway's consumer
 * group: up to `count` entries at a time, applied together, each acknowledged and deleted once its
 * event committed. An entry not applied stays pending; any gateway takes it up again once it has
 * been pending `reclaimAfterMs` (a crash of this one). While the ledger is away (it does not answer)
 * the reader waits, longer each time (up to 4 s), then tries its own pending entries again before
 * reading new ones, so events resume as soon as the ledger is back; such failures never count
 * towards giving an entry up. Applying an event twice changes nothing, so a slow gateway overtaken by another is harmless.
 */
export class StepEventStream {
  private readonly key: string;
  private readonly deadKey: string;
  private readonly consumer = `${hostname()}-${process.pid}`;
  private readonly reader: Redis;
  private running = false;
  private loop: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reclaiming: Promise<void> | undefined;
  private readonly given: Counter<string>;

  constructor(private readonly opts: StepEventStreamOptions) {
    this.key = stepEventsStreamKey(opts.prefix);
    this.deadKey = `${this.key}:dead`;
    this.reader = createRedis(opts.redisUrl, 'worker');
    this.reader.on('error', () => {});
    this.given = new Counter({
      name: 'gateway_step_events_given_up_total',
      help: 'Stream entries set aside in the dead-letter stream: unreadable, or refused by the ledger at every delivery',
      labelNames: ['reason'],
      registers: [opts.metrics],
    });
    const { key } = this;
    new Gauge({
      name: 'gateway_step_events_stream_entries',
      help: 'Entries in the step-events stream, by state: pending (read, not yet applied) or all (pending and not yet read)',
      labelNames: ['state'],
      registers: [opts.metrics],
      async collect() {
        const [all, pending] = await Promise.all([
          opts.connection.xlen(key).catch(() => null),
          (opts.connection.xpending(key, STEP_EVENTS_GROUP) as Promise<[number]>).then((r) => Number(r[0]), () => null),
        ]);
        if (all !== null) this.set({ state: 'all' }, all);
        if (pending !== null) this.set({ state: 'pending' }, pending);
      },
    });
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
    this.timer = setInterval(() => {
      this.reclaiming ??= this.reclaim().finally(() => { this.reclaiming = undefined; });
    }, Math.max(500, Math.floor(this.opts.reclaimAfterMs / 2)));
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    // The blocking read returns within its second; with Redis away it would wait for Redis, so it is
    // cut. Entries read and not yet applied stay pending for another gateway.
    await Promise.race([this.loop, sleep(2_000)]);
    this.reader.disconnect();
    await this.loop;
    await this.reclaiming;
    // A consumer with nothing pending leaves the group; one with pending entries stays until they are taken up.
    const mine = await (this.opts.connection.xpending(this.key, STEP_EVENTS_GROUP, '-', '+', 1, this.consumer) as Promise<unknown[]>).catch(() => null);
    if (mine?.length === 0) await this.opts.connection.xgroup('DELCONSUMER', this.key, STEP_EVENTS_GROUP, this.consumer).catch(() => {});
  }

  private async ensureGroup(): Promise<void> {
    try {
      await this.reader.xgroup('CREATE', this.key, STEP_EVENTS_GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!/BUSYGROUP/.test((err as Error).message)) throw err;
    }
  }

  private async run(): Promise<void> {
    let ready = false;
    let away = 0;
    // After the ledger was away, this consumer's own pending entries (read then, not applied) are read
    // again first, page after page from `history` (an id; '0' its start), rather than left to the
    // reclaim pass; null: new entries ('>').
    let history: string | null = null;
    while (this.running) {
      try {
        if (!ready) {
          await this.ensureGroup();
          ready = true;
        }
        const res = (history !== null
          ? await this.reader.xreadgroup('GROUP', STEP_EVENTS_GROUP, this.consumer, 'COUNT', this.opts.count, 'STREAMS', this.key, history)
          : await this.reader.xreadgroup('GROUP', STEP_EVENTS_GROUP, this.consumer, 'COUNT', this.opts.count, 'BLOCK', 1_000, 'STREAMS', this.key, '>')) as [string, Entry[]][] | null;
        const entries = res?.[0]?.[1] ?? [];
        if (entries.length === 0) {
          history = null;
          continue;
        }
        if (await this.handle(entries)) {
          // The ledger is away: what was read waits, pending; read again later, not at full speed.
          away = Math.min(away + 1, 4);
          history = '0';
          await sleep(500 * 2 ** (away - 1));
        } else {
          away = 0;
          if (history !== null) history = entries[entries.length - 1]![0];
        }
      } catch (err) {
        if (!this.running) break;
        // Redis restarted without its data: the stream and the group are made again.
        if (/NOGROUP/.test((err as Error).message)) ready = false;
        this.opts.logger.warn({ err: (err as Error).message }, 'step-events stream read failed; trying again');
        await sleep(500);
      }
    }
  }

  /**
   * Applies the entries together; acknowledges and deletes those applied, sets aside those given up.
   * Answers whether the ledger was away (an error not about any one event).
   */
  private async handle(entries: Entry[], deliveries?: Map<string, number>): Promise<boolean> {
    const done: string[] = [];
    const dead: { id: string; fields: string[]; reason: string }[] = [];
    /** Failures that do not say whether the event or the ledger is at fault. */
    const unclear: { id: string; fields: string[]; e: StepEvent; err: Error }[] = [];
    const refused = (id: string, fields: string[], e: StepEvent, err: Error) => {
      const n = deliveries?.get(id) ?? 1;
      const line = { entry: id, operationId: e.operationId, correlationId: e.correlationId, step: e.step, outcome: e.outcome, deliveries: n, err: err.message };
      if (n >= this.opts.maxDeliveries) {
        this.opts.logger.error(line, 'step event refused at every delivery: set aside in the dead-letter stream; the reconciler runs its step again');
        this.given.inc({ reason: 'refused' });
        dead.push({ id, fields, reason: err.message });
      } else {
        this.opts.logger.warn(line, 'step event refused by the ledger; taken up again later');
      }
    };
    await Promise.all(entries.map(async ([id, fields]) => {
      if (!fields) {
        done.push(id); // deleted meanwhile: nothing left to apply
        return;
      }
      let parsed: ReturnType<typeof StepEvent.safeParse> | undefined;
      try {
        parsed = StepEvent.safeParse(JSON.parse(fields[fields.indexOf('event') + 1] ?? ''));
      } catch { /* not JSON */ }
      if (!parsed?.success) {
        this.opts.logger.error({ entry: id }, 'unreadable step event: set aside in the dead-letter stream');
        this.given.inc({ reason: 'unreadable' });
        dead.push({ id, fields, reason: 'unreadable' });
        return;
      }
      const e = parsed.data;
      try {
        await this.opts.apply(e);
        done.push(id);
      } catch (err) {
        if (ITEM_ERROR.test((err as { code?: string }).code ?? '')) refused(id, fields, e, err as Error);
        else unclear.push({ id, fields, e, err: err as Error });
      }
    }));
    // An error that names no event: the ledger away (a dropped connection, a failover), or an event of
    // its own that cannot be applied. Asking the ledger tells which: away, the reader waits and tries
    // again; answering, each is tried once more at once (a connection lost under its batch, then
    // replaced) and, failing again, counted as refused. An event wrongly thought away would hold the
    // reader on it for good.
    let away: Error | undefined;
    if (unclear.length > 0) {
      if (!(await this.opts.ledgerReachable().catch(() => false))) {
        away = unclear[0]!.err;
      } else {
        await Promise.all(unclear.map(async (u) => {
          try {
            await this.opts.apply(u.e);
            done.push(u.id);
          } catch (err) {
            refused(u.id, u.fields, u.e, err as Error);
          }
        }));
      }
    }
    if (away) this.opts.logger.warn({ err: away.message }, 'the ledger is away: step events wait, pending, and are taken up again');
    if (done.length === 0 && dead.length === 0) return away !== undefined;
    const tx = this.opts.connection.multi();
    for (const d of dead) tx.xadd(this.deadKey, '*', ...d.fields, 'entry', d.id, 'reason', d.reason);
    const settled = [...done, ...dead.map((d) => d.id)];
    tx.xack(this.key, STEP_EVENTS_GROUP, ...settled).xdel(this.key, ...settled);
    // Not acknowledged (Redis away): pending, taken up again and applied as a duplicate.
    await tx.exec().catch((err: Error) => this.opts.logger.warn({ err: err.message }, 'step events applied but not acknowledged; they will apply again as duplicates'));
    return away !== undefined;
  }

  /** Takes up entries pending longer than reclaimAfterMs, under any consumer of the group (this one's included), page after page. */
  private async reclaim(): Promise<void> {
    try {
      for (let page = 0; page < RECLAIM_PAGES && this.running; page++) {
        const pending = await this.opts.connection.xpending(this.key, STEP_EVENTS_GROUP, 'IDLE', this.opts.reclaimAfterMs, '-', '+', this.opts.count) as [string, string, number, number][];
        if (pending.length === 0) return;
        const claimed = await this.opts.connection.xclaim(this.key, STEP_EVENTS_GROUP, this.consumer, this.opts.reclaimAfterMs, ...pending.map((p) => p[0])) as Entry[];
        if (claimed.length > 0) {
          this.opts.logger.info({ entries: claimed.length }, 'step events left pending taken up again');
          // XCLAIM counted one more delivery.
          if (await this.handle(claimed, new Map(pending.map((p) => [p[0], Number(p[3]) + 1])))) return; // the ledger is away: the next pass
        }
        if (pending.length < this.opts.count) return;
      }
    } catch (err) {
      if (!/NOGROUP/.test((err as Error).message)) this.opts.logger.warn({ err: (err as Error).message }, 'taking up pending step events failed; trying again');
    }
  }
}
