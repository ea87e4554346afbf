// The load generator of the fault harness and the benchmark: commands POSTed through the public API
// with an Idempotency-Key each, a given number at a time.
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

export type Answer =
  | { kind: 'accepted'; id: string; retries: number }
  | { kind: 'refused'; status: number; code: string; retries: number }
  | { kind: 'unanswered'; retries: number; error: string };

export interface PostOptions {
  baseUrl: string;
  token: string;
  /** Give up on a command once the gateway has answered nothing at all for this long. */
  giveUpMs: number;
  /** When the gateway last answered any request, shared by every worker of the load. */
  clock: { lastAnswerAt: number };
  /**
   * Retries allowed after a connection error, a 5xx or 409 idempotency_in_progress (default: until
   * answered). With 0 (the benchmark) the first answer counts, whatever it is.
   */
  maxRetries?: number;
}

/**
 * POSTs one command until the gateway answers it, always with the same Idempotency-Key: a
 * connection error, a 5xx, a hung request or 409 idempotency_in_progress is retried, and a retry
 * of what was in fact committed gets the same operation back, so nothing is submitted twice. Once
 * the gateway has answered no request at all for `giveUpMs`, the command counts as unanswered.
 */
export async function postUntilAnswered(opts: PostOptions, path: string, body: unknown): Promise<Answer> {
  const key = crypto.randomUUID();
  const maxRetries = opts.maxRetries ?? Infinity;
  let last: Answer = { kind: 'unanswered', retries: 0, error: 'not sent' };
  for (let retries = 0; ; retries++) {
    if (retries > 0) {
      if (retries > maxRetries) return { ...last, retries: retries - 1 };
      // Once the gateway has been silent for giveUpMs, the rest of the load gives up at once instead of each waiting as long.
      if (Date.now() - opts.clock.lastAnswerAt > opts.giveUpMs) return { kind: 'unanswered', retries, error: last.kind === 'unanswered' ? last.error : 'silent' };
      await sleep(Math.min(1000, 100 * retries));
    }
    let status: number;
    let json: { id?: string; code?: string };
    try {
      const res = await request(`${opts.baseUrl}${path}`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json', 'idempotency-key': key },
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      status = res.statusCode;
      opts.clock.lastAnswerAt = Date.now();
      json = (await res.body.json().catch(() => ({}))) as typeof json;
    } catch (err) {
      // No answer: the gateway is down, restarting or hung.
      last = { kind: 'unanswered', retries, error: (err as { code?: string }).code ?? (err as Error).name };
      continue;
    }
    if (status === 202 && json.id) return { kind: 'accepted', id: json.id, retries };
    last = { kind: 'refused', status, code: json.code ?? '', retries };
    if (status >= 500 || (status === 409 && json.code === 'idempotency_in_progress')) continue;
    return last;
  }
}

/** Runs `work` over every item, `concurrency` at a time. */
export async function forEachConcurrently<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i]!, i);
    }
  }));
}
