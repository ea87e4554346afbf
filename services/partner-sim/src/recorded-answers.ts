/** A stored answer: a request repeated under the same idempotency key gets exactly this back. */
export interface RecordedAnswer {
  statusCode: number;
  body: unknown;
}

/** Answers by idempotency key, for one partner endpoint (or one family of them). */
export class RecordedAnswers<Extra = undefined> {
  #answers = new Map<string, RecordedAnswer & { extra: Extra }>();

  get(key: string): (RecordedAnswer & { extra: Extra }) | undefined {
    return this.#answers.get(key);
  }

  record(key: string, answer: RecordedAnswer, extra: Extra): void {
    this.#answers.set(key, { ...answer, extra });
  }

  /** Forgets every key `keep` refuses, e.g. yesterday's X-EXTERNAL-IDs. */
  prune(keep: (key: string) => boolean): void {
    for (const key of this.#answers.keys()) if (!keep(key)) this.#answers.delete(key);
  }

  get size(): number {
    return this.#answers.size;
  }
}
