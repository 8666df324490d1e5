/**
 * Entry of a job worker thread: runs one handler from the registry and reports
 * progress, the result or the error to the runner. Progress is throttled so a
 * tight loop cannot flood the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CancelledError, UserError, type JobContext } from './context.ts';
import { handlers } from './registry.ts';
import type { WorkerMessage, WorkerStart } from './protocol.ts';

const start = workerData as WorkerStart;
const flag = new Int32Array(start.cancelFlag);
const post = (m: WorkerMessage) => parentPort?.postMessage(m);

let lastPost = 0;
const afterResult: (() => void)[] = [];
const ctx: JobContext = {
  dbPath: start.dbPath,
  progress(done, total = null, message) {
    const now = performance.now();
    if (now - lastPost < 100 && (total === null || done < total)) return;
    lastPost = now;
    post({ type: 'progress', done, total, message: message ?? null });
  },
  get cancelled() {
    return Atomics.load(flag, 0) === 1;
  },
  throwIfCancelled() {
    if (Atomics.load(flag, 0) === 1) throw new CancelledError();
  },
  afterResult(work) {
    afterResult.push(work);
  },
};

/** The queued after-result work, in order; the job's outcome is already out, so a failure here only stops the rest. */
function finishUp(): void {
  for (const work of afterResult) work();
}

async function main(): Promise<void> {
  const handler = handlers[start.kind];
  if (!handler) throw new UserError(`unknown job kind: ${start.kind}`);
  const result = await handler(start.params, ctx);
  post({ type: 'done', result });
}

main()
  .catch((err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    post({
      type: 'error',
      cancelled: e instanceof CancelledError,
      user: e instanceof UserError || e.name === 'ImportError' || e.name === 'WorkspaceError',
      message: e.message,
      stack: e.stack ?? null,
    });
  })
  .finally(finishUp);
