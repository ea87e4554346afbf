/** Where output goes: process.stdout and process.stderr, or a test's recorder. */
export interface Writer {
  write(chunk: string): unknown;
  /** A terminal gets a progress bar; anything else plain lines. */
  isTTY?: boolean;
}

export interface Io {
  stdout: Writer;
  stderr: Writer;
  env: Record<string, string | undefined>;
  /** Asks the operator a yes/no question; absent when nobody can answer (stdin is not a terminal). */
  confirm?: (question: string) => Promise<boolean>;
}
