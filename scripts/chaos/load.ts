import { setTimeout as sleep } from 'node:timers/promises';

export type Answer =
  | { kind: 'accepted'; id: string; retries: number }
  | { kind: 'refused'; status: number; code: string; retries: number }
  | { kind: 'unanswered'; retries: number };

export interface PostOptions {
  baseUrl: string;
  token: string;
  /** Give up on a command once the gateway has answered nothing at all for this long. */
  giveUpMs: number;
  /** When the gateway last answered any request, shared by every worker of the load. */
  clock: { lastAnswerAt: number };
}

/**
 * POSTs one command until the gateway answers it, always with the same Idempotency-Key: a
 * connection error, a 5xx, a hung request or 409 idempotency_in_progress is retried, and a retry
 * of what was in fact committed gets the same operation back, so nothing is submitted twice. Once
 * the gateway has answered no request at all for `giveUpMs`, the command counts as unanswered.
 */
export async function postUntilAnswered(opts: PostOptions, path: string, body: unknown): Promise<Answer> {
  const key = crypto.randomUUID();
  for (let retries = 0; ; retries++) {
    if (retries > 0) {
      // Once the gateway has been silent for giveUpMs, the rest of the load gives up at once instead of each waiting as long.
      if (Date.now() - opts.clock.lastAnswerAt > opts.giveUpMs) return { kind: 'unanswered', retries };
      await sleep(Math.min(1000, 100 * retries));
    }
    let status: number;
    let json: { id?: string; code?: string };
    try {
      const res = await fetch(`${opts.baseUrl}${path}`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json', 'idempotency-key': key },
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
      opts.clock.lastAnswerAt = Date.now();
      json = (await res.json().catch(() => ({}))) as typeof json;
    } catch {
      continue; // no answer: the gateway is down, restarting or hung
    }
    if (status === 202 && json.id) return { kind: 'accepted', id: json.id, retries };
    if (status >= 500 || (status === 409 && json.code === 'idempotency_in_progress')) continue;
    return { kind: 'refused', status, code: json.code ?? '', retries };
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
