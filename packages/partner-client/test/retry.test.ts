import t from 'tap';
import { DEFAULT_RETRY, backoffDelay, type RetryPolicy } from '@sutasoma/partner-client';

const policy: RetryPolicy = { attempts: 10, baseDelayMs: 500, maxDelayMs: 10_000 };
const lowest = () => 0;
const middle = () => 0.5;
const highest = () => 0.999_999;

t.test('each retry waits longer than the one before, doubling until the ceiling', async (t) => {
  const delays = [1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelay(policy, attempt, middle));
  t.same(delays, [375, 750, 1_500, 3_000, 6_000, 7_500, 7_500]);
});

t.test('no delay exceeds the ceiling, however many attempts were made', async (t) => {
  for (const attempt of [6, 10, 50, 1_000]) {
    t.equal(backoffDelay(policy, attempt, highest), 10_000, `attempt ${attempt} at the highest draw`);
    t.equal(backoffDelay(policy, attempt, lowest), 5_000, `attempt ${attempt} at the lowest draw`);
  }
  t.equal(backoffDelay(DEFAULT_RETRY, 30, highest), DEFAULT_RETRY.maxDelayMs, 'the default policy is capped at a minute');
});

t.test('the jitter keeps each delay between half and all of its step, so retries from many jobs spread out', async (t) => {
  t.same([lowest, middle, highest].map((r) => backoffDelay(policy, 3, r)), [1_000, 1_500, 2_000]);
  let draws = 0;
  const sequence = () => [0.1, 0.9, 0.4][draws++ % 3]!;
  const spread = new Set([1, 2, 3].map(() => backoffDelay(policy, 4, sequence)));
  t.equal(spread.size, 3, 'three jobs failing together retry at three different times');
});

t.test('the first retry waits about the base delay; an attempt count of zero is treated as the first', async (t) => {
  t.equal(backoffDelay(policy, 1, highest), 500);
  t.equal(backoffDelay(policy, 0, highest), 500);
  t.equal(backoffDelay(policy, 0, lowest), 250);
});

t.test('with the real random source every delay stays within its bounds', async (t) => {
  for (let attempt = 1; attempt <= 12; attempt++) {
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(policy, attempt);
      if (d < ceiling / 2 || d > ceiling || !Number.isInteger(d)) {
        t.fail(`attempt ${attempt}: ${d} ms is outside ${ceiling / 2}..${ceiling}`);
        return;
      }
    }
  }
  t.pass('600 delays within bounds');
});
