import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `probe` until it returns a value that `done` accepts; throws with the last value on timeout. */
export async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, opts: { timeoutMs?: number; everyMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (done(last)) return last;
    await sleep(opts.everyMs ?? 100);
  }
  throw new Error(`timed out waiting for ${opts.what ?? 'a condition'}; last value: ${JSON.stringify(last)}`);
}
