/** Requests a `timeout` fault holds open; released on shutdown so they never block `app.close()`. */
export class HeldConnections {
  #held = new Set<{ timer: NodeJS.Timeout; cut: () => void }>();

  /** Calls `cut` after `ms`, unless the client hangs up first (`onGone`). */
  hold(ms: number, cut: () => void, onGone: (listener: () => void) => void): void {
    const entry = {
      timer: setTimeout(() => {
        this.#held.delete(entry);
        cut();
      }, ms),
      cut,
    };
    this.#held.add(entry);
    onGone(() => {
      clearTimeout(entry.timer);
      this.#held.delete(entry);
    });
  }

  get size(): number {
    return this.#held.size;
  }

  releaseAll(): void {
    for (const entry of this.#held) {
      clearTimeout(entry.timer);
      entry.cut();
    }
    this.#held.clear();
  }
}
