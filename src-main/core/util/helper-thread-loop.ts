/**
 * The helper's side of a kept helper thread (helper-thread.ts), run by each kind's worker entry. The thread lives
 * as long as the process (unref'd, so it never keeps it alive). Whenever the calling thread bumps GEN it runs the
 * command in CMD — map a fit's buffers (posted on the port), one of the kind's own commands, or drop the buffers —
 * and reports through DONE (FAILED when it threw). Between commands it blocks in Atomics.wait.
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { CMD, CMD_RELEASE, CMD_SETUP, DONE, FAILED, GEN, READY } from './helper-thread.ts';

/** What a kind's helper does with each command. */
export interface HelperWork {
  /** Maps the fit's buffers, as the caller posted them. */
  setup(buffers: unknown): void;
  /** One of the kind's own commands (flags included), on the control array it shares with the caller. */
  run(cmd: number, ctrl: Int32Array): void;
  /** Drops the fit's buffers. */
  release(): void;
}

/** Serves commands for the rest of the thread's life; `name` goes into its own error messages. */
export function serveHelper(name: string, work: HelperWork): never {
  const { ctrl: ctrlBuffer, port } = workerData as { ctrl: SharedArrayBuffer; port: MessagePort };
  const ctrl = new Int32Array(ctrlBuffer);
  Atomics.store(ctrl, READY, 1);
  Atomics.notify(ctrl, READY);
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, GEN, seen);
    const gen = Atomics.load(ctrl, GEN);
    if (gen === seen) continue;
    seen = gen;
    const cmd = Atomics.load(ctrl, CMD);
    try {
      if (cmd === CMD_SETUP) {
        // Posted before GEN was bumped, so it is already queued.
        const m = receiveMessageOnPort(port);
        if (!m) throw new Error(`${name} setup message missing`);
        work.setup(m.message);
      } else if (cmd === CMD_RELEASE) {
        work.release();
      } else {
        work.run(cmd, ctrl);
      }
    } catch {
      Atomics.store(ctrl, FAILED, 1);
    }
    Atomics.store(ctrl, DONE, gen);
    Atomics.notify(ctrl, DONE);
  }
}
