import { randomInt } from 'node:crypto';

/**
 * A fresh string of `length` random digits not in `taken` (and then added to it). Random rather
 * than sequential, so ids stay unique across simulator restarts, as a gateway remembering them expects.
 */
export function uniqueDigits(length: number, taken: Set<string>): string {
  for (;;) {
    let out = '';
    while (out.length < length) out += String(randomInt(0, 1_000_000)).padStart(6, '0');
    out = out.slice(0, length);
    if (!taken.has(out)) {
      taken.add(out);
      return out;
    }
  }
}
