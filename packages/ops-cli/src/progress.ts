import { Presets, SingleBar } from 'cli-progress';
import type { Writer } from './io.ts';

export interface Progress {
  advance: (n: number) => void;
  stop: () => void;
}

/** A progress bar on a terminal; elsewhere (a pipe, a log, a test) one plain line per step. */
export function startProgress(out: Writer, label: string, total: number): Progress {
  if (out.isTTY) {
    // On a terminal `out` is process.stdout, the stream cli-progress expects.
    const bar = new SingleBar({ stream: out as NodeJS.WritableStream, format: `${label} [{bar}] {value}/{total} jobs`, hideCursor: true }, Presets.shades_classic);
    bar.start(total, 0);
    return { advance: (n) => bar.increment(n), stop: () => bar.stop() };
  }
  let value = 0;
  return {
    advance: (n) => {
      value += n;
      out.write(`${label}: ${value}/${total}\n`);
    },
    stop: () => {},
  };
}
