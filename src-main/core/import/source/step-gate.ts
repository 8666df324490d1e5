/**
 * Lets pending async steps be ended from outside: stop() (a cancel) settles
 * them with null, fail() (a stream error) rejects them. Promise.race against
 * one long-lived promise would do the same but leak: every race adds a
 * reaction to that promise which keeps the race's result (a batch) reachable.
 */
export class StepGate {
  private readonly pending = new Set<{ stop: () => void; fail: (error: unknown) => void }>();
  private stopped = false;
  private error: unknown = null;

  /** `step`'s outcome, or null once stopped. */
  wait<T>(step: Promise<T>): Promise<T | null> {
    if (this.error !== null) return Promise.reject(this.error);
    if (this.stopped) return Promise.resolve(null);
    return new Promise<T | null>((resolve, reject) => {
      const waiter = { stop: () => resolve(null), fail: reject };
      this.pending.add(waiter);
      step.then(
        (value) => {
          this.pending.delete(waiter);
          resolve(value);
        },
        (error: unknown) => {
          this.pending.delete(waiter);
          reject(error);
        },
      );
    });
  }

  stop(): void {
    this.stopped = true;
    for (const waiter of this.pending) waiter.stop();
    this.pending.clear();
  }

  fail(error: unknown): void {
    this.error ??= error;
    for (const waiter of this.pending) waiter.fail(error);
    this.pending.clear();
  }
}
