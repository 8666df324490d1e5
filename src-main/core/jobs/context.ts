/** What a job handler sees: progress reporting and cooperative cancellation. */
export interface JobContext {
  /** Path of the workspace the job works on; the job opens its own connection. */
  dbPath: string;
  progress(done: number, total?: number | null, message?: string): void;
  readonly cancelled: boolean;
  /** Throws CancelledError when the user asked to stop; call it between units of work. */
  throwIfCancelled(): void;
  /**
   * Queues work for after the result is out: a worker job counts as finished when its result is posted, and the
   * thread then closes its connection and does what the caller need not wait for (copying a big import's WAL into
   * the database file). Absent where the job runs in the caller's thread: do such work before returning there.
   */
  afterResult?(work: () => void): void;
}

export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor() {
    super('cancelled');
  }
}

/** A mistake in what the user asked for (bad file, bad option): shown as is, no stack trace. */
export class UserError extends Error {
  override name = 'UserError';
}

export type JobHandler = (params: unknown, ctx: JobContext) => Promise<unknown>;
